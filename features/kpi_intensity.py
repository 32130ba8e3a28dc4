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


def week_exposure(start: np.ndarray, end: np.ndarray, begin: int,
                  horizon_days: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Ages (days) at risk during the week starting ``begin``, and the events in it.

    Returns, for every row, the first and one-past-last age at risk in the week (equal when
    not at risk), whether its event falls in the week, and the event's age.
    """
    stop = begin + WEEK_NS
    open_ = (start < stop) & (start >= begin - (horizon_days + 1) * DAY_NS) & (
        (end == NAT) | (end >= begin))
    first = np.maximum((begin - start) // DAY_NS, 0)
    until = np.where((end != NAT) & (end < stop), end, stop)
    last = np.minimum((until - start) // DAY_NS, horizon_days)
    event_age = (end - start) // DAY_NS
    hit = open_ & (end != NAT) & (end < stop) & (event_age <= horizon_days)
    last = np.where(hit, event_age + 1, last)
    first = np.where(open_, np.minimum(first, last), last)
    return first, last, hit, event_age


def period_counts(start_ns: np.ndarray, end_ns: np.ndarray, segments: Segments,
                  weeks: pd.DatetimeIndex, horizon_days: int) -> tuple[np.ndarray, np.ndarray]:
    """Days at risk and events by (segment code, week, age in days).

    Returns two ``(n_codes, n_weeks, horizon + 1)`` arrays.
    """
    rows, codes = segments.expanded()
    order = np.argsort(start_ns[rows], kind="stable")
    codes, start, end = codes[order], start_ns[rows][order], end_ns[rows][order]
    n_codes, width = len(segments.labels), horizon_days + 2
    at_risk = np.zeros((n_codes, len(weeks), horizon_days + 1))
    events = np.zeros((n_codes, len(weeks), horizon_days + 1))
    for position, week in enumerate(weeks.as_unit("ns").asi8):  # one pass per week
        begin = int(week)
        lo, hi = np.searchsorted(start, [begin - (horizon_days + 1) * DAY_NS, begin + WEEK_NS])
        first, last, hit, event_age = week_exposure(start[lo:hi], end[lo:hi], begin,
                                                    horizon_days)
        mine = codes[lo:hi]
        keep = last > first
        diff = (np.bincount(mine[keep] * width + first[keep], minlength=n_codes * width)
                - np.bincount(mine[keep] * width + last[keep], minlength=n_codes * width))
        at_risk[:, position] = np.cumsum(diff.reshape(n_codes, width), axis=1)[:, :-1]
        slot = mine[hit] * (horizon_days + 1) + event_age[hit]
        events[:, position] = np.bincount(slot, minlength=n_codes * (horizon_days + 1)).reshape(
            n_codes, horizon_days + 1)
    return at_risk, events


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
