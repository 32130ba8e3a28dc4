"""Expected weekly events of the rate KPIs under a reference period's rates.

A rate KPI (lead conversion, conversion cycle, churn) is a ratio of events to exposure, and
most of its week-to-week movement is the sampling noise of few events. The monitor tests each
week's *events* against the events expected from that week's own exposure under the rates of a
reference period (``reference_weeks`` weeks ending ``guard_weeks`` before the week, so a change
cannot leak into its own expectation for ``guard_weeks`` weeks): observed against expected,
the risk-adjusted monitoring of Steiner et al. (2000). A volume swing or a younger pipeline
changes the expectation, not the test.

- Conversion: expected conversions = sum over ages of leads at risk x the reference hazard at
  that age (``conversion`` and ``mql_to_sql`` alike).
- Cycle: each conversion's *lateness* is its age's percentile in the reference curve of time
  to conversion (0 at creation, 1 at the horizon). Conditional on the week's conversions,
  the summed lateness is compared with its expectation given who was at risk at which age (a
  Wilcoxon-type score, about as efficient as the best test of a time-scale stretch and much
  more than a split at the median). A uniform change in conversion leaves it unchanged, so
  the cycle test does not echo the rate's.
- Churn: expected lapses = customers live in the week x the reference weekly lapse rate.

The total's expectation is the sum of the channels' (indirect standardisation): a shift of
the mix towards a channel that converts less is not a change in conversion.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from features.kpi_segments import Segments

Counts = tuple[np.ndarray, np.ndarray]  # observed events, expected events (codes x weeks)


class KpiMatrix(NamedTuple):
    """One KPI's (segment x week) values and the rows behind them.

    Rate KPIs add their weekly observed and expected events.
    """

    value: np.ndarray
    n: np.ndarray
    counts: Counts | None = None


def lagged_sum(counts: np.ndarray, width: int, lag: int = 0) -> np.ndarray:
    """Sum over weeks ``t - lag - width + 1 .. t - lag`` along axis 1 (NaN before enough weeks).

    Works on ``(codes, weeks)`` and ``(codes, weeks, ...)`` arrays.
    """
    shape = (counts.shape[0], 1, *counts.shape[2:])
    padded = np.concatenate([np.zeros(shape), np.cumsum(counts, axis=1)], axis=1)
    out = np.full(counts.shape, np.nan)
    t = np.arange(counts.shape[1])
    ok = t - lag - width + 1 >= 0
    out[:, ok] = padded[:, t[ok] - lag + 1] - padded[:, t[ok] - lag - width + 1]
    return out


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """``numerator / denominator``, 0 where the denominator is not positive (no rate yet)."""
    return np.divide(numerator, denominator, out=np.zeros(numerator.shape),
                     where=denominator > 0)


def ratio_or_nan(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """``numerator / denominator``, NaN where the denominator is not positive (no value)."""
    return np.divide(numerator, denominator, out=np.full(numerator.shape, np.nan),
                     where=denominator > 0)


def type_parts(segments: Segments) -> list[np.ndarray]:
    """Return the codes of each segment type but the total, one array per type."""
    return [np.arange(first, end) for first, end, _ in segments.types()
            if segments.labels["segment_type"].iloc[first] != "total"]


def channel_parts(segments: Segments) -> np.ndarray:
    """Codes of the channel segments: every row has one channel, so they partition the total."""
    return np.flatnonzero(segments.labels["segment_type"].to_numpy() == "channel")


def stratify_total(expected: np.ndarray, parts: np.ndarray) -> np.ndarray:
    """Return the expectations with the total's (row 0) replaced by the sum of its parts'.

    Indirect standardisation: each channel keeps its own reference rates, so a shift of the
    mix between channels changes the total's expectation, not its test.
    """
    out = expected.copy()
    if len(parts):
        out[0] = expected[parts].sum(axis=0)
    return out


def funnel_expectation(at_risk: np.ndarray, events: np.ndarray, reference_weeks: int,
                       guard_weeks: int, min_events: int,
                       parts: np.ndarray) -> tuple[Counts, Counts]:
    """Observed and expected conversions, and their lateness, per (segment, week).

    Parameters
    ----------
    at_risk, events : np.ndarray
        ``(codes, weeks, ages)`` days at risk and events by age in days
        (:func:`features.kpi_intensity.period_counts`); code 0 is the total.
    reference_weeks, guard_weeks : int
        The reference period: ``reference_weeks`` weeks ending ``guard_weeks`` before each week.
    min_events : int
        Fewest reference events for an expectation; NaN below.
    parts : np.ndarray
        Codes that partition the total (:func:`channel_parts`); see :func:`stratify_total`.

    Returns
    -------
    tuple
        ``(conversions, expected)`` and ``(lateness, expected lateness)``: the sum over the
        week's conversions of their age's percentile in the reference curve, and that sum's
        expectation given the week's conversions and who was at risk.
    """
    hits_ref = lagged_sum(events, reference_weeks, guard_weeks)
    hazard = _ratio(np.nan_to_num(hits_ref), np.nan_to_num(lagged_sum(at_risk, reference_weeks,
                                                                       guard_weeks)))
    by_age = at_risk * hazard
    observed, expected = events.sum(axis=2), by_age.sum(axis=2)
    curve = 1.0 - np.cumprod(1.0 - hazard, axis=2)
    percentile = _ratio(curve, np.broadcast_to(curve[..., -1:], curve.shape))
    late_observed = (events * percentile).sum(axis=2)
    late_expected = observed * _ratio((by_age * percentile).sum(axis=2), expected)
    known = np.nan_to_num(hits_ref.sum(axis=2), nan=0.0) >= max(min_events, 1)
    nan = np.full(observed.shape, np.nan)
    return ((observed, np.where(known, stratify_total(expected, parts), nan)),
            (late_observed, np.where(known & (expected > 0),
                                     stratify_total(late_expected, parts), nan)))


def relative_to_rest(counts: Counts, groups: list[np.ndarray], rest_weeks: int) -> Counts:
    """Scale each segment's expected events by the rest of its type's observed / expected.

    A movement common to every segment (a season of conversion, a sales team's good months:
    every team serves every channel) moves all channels' events at once, and makes each
    channel's test over-dispersed. Comparing a segment with the rest of the business in the
    same weeks removes it: its expectation is multiplied by the weighted median of the other
    segments' (of its ``groups`` entry: the codes of one segment type) observed / expected
    events over the ``rest_weeks`` weeks ending with the week (weights: their expected
    events). The rest leaves the segment out, so its own change cannot mask itself, and a
    median lets one other segment's change pass without moving the rest's level. The total
    keeps its absolute test, so a common movement still shows there. ``rest_weeks`` 0, or a
    type with fewer than three segments, leaves the expectations as they are; a week without
    a full window or without expected events in the rest keeps its own.
    """
    observed, expected = counts
    if rest_weeks <= 0:
        return counts
    scaled = expected.copy()
    for parts in groups:
        if len(parts) >= 3:
            scaled[parts] = _relative(observed[parts], expected[parts], rest_weeks)
    return observed, scaled


def _relative(observed: np.ndarray, expected: np.ndarray, rest_weeks: int) -> np.ndarray:
    """Scale the expectations of one type's rows, each by its rest's median ratio."""
    window_observed = lagged_sum(np.nan_to_num(observed), rest_weeks)
    window_expected = lagged_sum(np.nan_to_num(expected), rest_weeks)
    usable = np.isfinite(window_expected) & (window_expected > 0)
    ratio = np.divide(window_observed, window_expected, out=np.ones(window_expected.shape),
                      where=usable)
    weight = np.where(usable, window_expected, 0.0)
    rows = np.arange(len(expected))
    return np.stack([expected[row] * weighted_median(ratio[rows != row], weight[rows != row])
                     for row in rows])


def weighted_median(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per column, the first value (in sorted order) whose cumulative weight reaches half.

    ``values`` and ``weights`` are ``(items, columns)``; a column without weight gives 1.
    """
    order = np.argsort(values, axis=0, kind="stable")
    ranked = np.take_along_axis(values, order, axis=0)
    cumulative = np.cumsum(np.take_along_axis(weights, order, axis=0), axis=0)
    first = np.argmax(cumulative >= cumulative[-1] / 2.0, axis=0)
    median = ranked[first, np.arange(values.shape[1])]
    return np.where(cumulative[-1] > 0, median, 1.0)


def rate_expectation(hits: np.ndarray, exposure: np.ndarray, reference_weeks: int,
                     guard_weeks: int, min_events: int, parts: np.ndarray) -> Counts:
    """Observed events and events expected from the week's exposure at the reference rate.

    ``hits`` and ``exposure`` are ``(codes, weeks)``, code 0 the total (stratified over
    ``parts``, see :func:`stratify_total`); NaN where the reference holds fewer than
    ``min_events`` events.
    """
    hits_ref = lagged_sum(hits, reference_weeks, guard_weeks)
    rate = _ratio(np.nan_to_num(hits_ref), np.nan_to_num(lagged_sum(exposure, reference_weeks,
                                                                     guard_weeks)))
    known = np.nan_to_num(hits_ref, nan=0.0) >= max(min_events, 1)
    return hits, np.where(known, stratify_total(exposure * rate, parts), np.nan)


def pool_lateness(cycle: Counts, stages: tuple[Counts | None, ...]) -> Counts:
    """Add the stages' observed and expected lateness to the whole cycle's.

    A slower cycle is slower at the stages its leads pass on the way (e.g. creation to MQL,
    MQL to SQL), which the whole cycle's conversions show only weeks later. A stage adds to a
    week only where its expectation is known; the cycle's own NaNs stay.
    """
    observed, expected = cycle[0].copy(), cycle[1].copy()
    for stage in stages:
        if stage is None:
            continue
        known = np.isfinite(stage[1])
        observed = observed + np.where(known, stage[0], 0.0)
        expected = expected + np.where(known, stage[1], 0.0)
    return observed, expected
