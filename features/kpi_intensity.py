"""Funnel timing from the recent weeks' hazards: a period ("current") life table per segment.

A cohort curve (leads created in a window, followed up) learns of a change only as those
leads age. A period curve uses the conversions that happened in the last weeks, each over
the leads at risk at that age during those weeks (censored at the week's end, not dropped):
the Kaplan-Meier product of these daily hazards reacts within the period to a change in leads
already in the pipeline as well as in new ones.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features._checks import DAY_NS, WEEK_NS
from features.kpi_segments import Segments

NAT = np.iinfo(np.int64).min


def exposure_days(start: np.ndarray, end: np.ndarray, stop: int,
                  horizon_days: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: ages at risk ``[0, length)``, whether its event counts, and the event's age.

    A row is at risk from creation until its event (the event's day included) or the last
    week's end, for at most ``horizon_days`` days; an event counts when it falls before
    ``stop`` within the horizon.
    """
    converted = (end != NAT) & (end < stop)
    event_age = np.where(converted, (end - start) // DAY_NS, -1)
    hit = converted & (event_age <= horizon_days)
    until = np.where(converted, end, stop)
    length = np.minimum((until - start) // DAY_NS, horizon_days)
    length = np.where(hit, event_age + 1, np.clip(length, 0, None))
    return length, hit, event_age


def period_counts(start_ns: np.ndarray, end_ns: np.ndarray, segments: Segments,
                  weeks: pd.DatetimeIndex, horizon_days: int) -> tuple[np.ndarray, np.ndarray]:
    """Days at risk and events by (segment code, week, age in days).

    A row's age ``a`` (days since its creation) is at risk in the week holding the end of
    that day of age, or, for its event's day, in the event's week. Rows are counted in
    bulk: by (code, creation day, days at risk) first, then spread over weeks and ages along
    the diagonals of the calendar, with no loop over weeks or rows. Each row's days at risk
    are found once; the rows are then counted one segment type at a time.

    Returns two ``(n_codes, n_weeks, horizon + 1)`` arrays.
    """
    n_codes, n_weeks, width = len(segments.labels), len(weeks), horizon_days + 1
    types = segments.types()
    if n_weeks == 0 or not any((codes >= 0).any() for _, _, codes in types):
        return np.zeros((n_codes, n_weeks, width)), np.zeros((n_codes, n_weeks, width))
    # Count from `lead` weeks before the first: rows created up to a horizon earlier still
    # have days at risk in it. Those weeks are dropped at the end.
    lead = -(-(horizon_days + 2) // 7)
    n_weeks += lead
    origin = int(weeks.as_unit("ns").asi8[0]) - lead * WEEK_NS
    stop = origin + n_weeks * WEEK_NS
    at_risk = np.zeros((n_codes, n_weeks, width))
    events = np.zeros((n_codes, n_weeks, width))
    inside = (start_ns >= origin) & (start_ns < stop)
    start, end = start_ns[inside], end_ns[inside]
    types = [(first, stop_code, codes[inside]) for first, stop_code, codes in types]
    length, hit, event_age = exposure_days(start, end, stop, horizon_days)
    day = (start - origin) // DAY_NS
    midnight = ((start - origin) % DAY_NS == 0).astype(np.int64)
    n_days = n_weeks * 7
    # Rows by (code, midnight, creation day, length): how many stay at risk past each age.
    stride = 2 * n_days * (width + 1)  # one code's block
    within = (midnight * n_days + day) * (width + 1) + length
    counts = np.zeros(n_codes * stride, dtype=np.int64)
    for first, stop_code, codes in types:
        known = codes >= 0
        counts[first * stride:stop_code * stride] = np.bincount(
            (codes[known] - first) * stride + within[known], minlength=(stop_code - first) * stride)
    past = np.cumsum(counts.reshape(n_codes, 2, n_days, width + 1)[..., ::-1], axis=3)[..., ::-1]
    alive = past[..., 1:]  # alive[..., a]: rows with length > a
    # Age a of a row created on day k ends on day k + a + 1 (exclusive, not at midnight) or
    # exactly at its start (midnight): the week holding that moment gets the day at risk.
    total = np.concatenate([np.zeros((n_codes, 2, 1, width)), np.cumsum(alive, axis=2)], axis=2)
    ages = np.arange(width)
    week_index = np.arange(n_weeks)
    for flag in (0, 1):
        # days k with week (k + a + 1 - flag) // 7 == w: k in [7w - a - 1 + flag, 7w + 6 - a + flag)
        low = np.clip(7 * week_index[:, None] - ages[None, :] - 1 + flag, 0, n_days)
        high = np.clip(7 * week_index[:, None] + 6 - ages[None, :] + flag, 0, n_days)
        at_risk += total[:, flag, high, ages] - total[:, flag, low, ages]
    # The event's own day belongs to the event's week.
    moved = np.flatnonzero(hit)
    formula = (day[moved] + event_age[moved] + 1 - midnight[moved]) // 7
    actual = (end[moved] - origin) // WEEK_NS
    age = event_age[moved]
    keep = formula < n_weeks
    for _, _, codes in types:
        code = codes[moved]
        known = code >= 0
        np.add.at(at_risk, (code[known & keep], formula[known & keep], age[known & keep]), -1.0)
        np.add.at(at_risk, (code[known], actual[known], age[known]), 1.0)
        np.add.at(events, (code[known], actual[known], age[known]), 1.0)
    return at_risk[:, lead:], events[:, lead:]


def period_incidence(at_risk: np.ndarray, events: np.ndarray, period_weeks: int) -> np.ndarray:
    """Cumulative incidence from the hazards of the trailing ``period_weeks`` weeks.

    Returns ``(n_codes, n_weeks, horizon + 1)``; NaN before ``period_weeks`` weeks exist.
    """
    def trailing(counts: np.ndarray) -> np.ndarray:
        total = np.cumsum(counts, axis=1)
        out = total.copy()
        out[:, period_weeks:] -= total[:, :-period_weeks]
        return out

    risk, hits = trailing(at_risk), trailing(events)
    hazard = np.divide(hits, risk, out=np.zeros_like(hits), where=risk > 0)
    curves = 1.0 - np.cumprod(1.0 - hazard, axis=2)
    curves[:, : period_weeks - 1] = np.nan
    return np.asarray(curves)


def truncated_median(incidence: np.ndarray) -> np.ndarray:
    """Median time of the events within the horizon: first ``t`` with F(t) >= F(H) / 2.

    Linear interpolation between whole days; NaN where no event occurs by the horizon.
    """
    half = incidence[:, -1:] / 2.0
    reached = incidence >= half
    first = np.argmax(reached, axis=1)
    rows = np.arange(incidence.shape[0])
    before = np.where(first > 0, incidence[rows, np.maximum(first - 1, 0)], 0.0)
    after = incidence[rows, first]
    step = np.divide(half[:, 0] - before, after - before,
                     out=np.zeros(len(rows)), where=after > before)
    median = np.maximum(first - 1, 0) + np.where(first > 0, step, 0.0)
    return np.where(incidence[:, -1] > 0, median, np.nan)
