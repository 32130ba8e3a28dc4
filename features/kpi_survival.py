"""Censoring-aware funnel timing: vectorised Kaplan-Meier curves per segment, in whole days.

A lead that has not converted by the week's end is censored there, not dropped; conversions
later than the horizon are censored at it. One call computes the curve of every segment.
"""

from __future__ import annotations

import numpy as np

from features._checks import DAY_NS


def durations(start_ns: np.ndarray, end_ns: np.ndarray, cutoff_ns: int,
              horizon_days: int) -> tuple[np.ndarray, np.ndarray]:
    """Return whole days observed and the event flag of each row, as of ``cutoff_ns``.

    Parameters
    ----------
    start_ns, end_ns : numpy.ndarray
        int64 nanoseconds of the start and of the event; NaT (int64 min) means no event.
    cutoff_ns : int
        Rows are observed until this instant (exclusive); later events are censored.
    horizon_days : int
        Events after this many days count as censored at the horizon.

    Returns
    -------
    tuple of numpy.ndarray
        ``days`` (int64 in [0, horizon_days]) and ``event`` (float64 0/1).
    """
    seen = (end_ns != np.iinfo(np.int64).min) & (end_ns < cutoff_ns) & (end_ns >= start_ns)
    stop = np.where(seen, end_ns, cutoff_ns)
    days = np.clip((stop - start_ns) // DAY_NS, 0, horizon_days)
    event = seen & ((end_ns - start_ns) // DAY_NS <= horizon_days)
    return days.astype(np.int64), event.astype(np.float64)


def cumulative_incidence(codes: np.ndarray, days: np.ndarray, event: np.ndarray,
                         n_codes: int, horizon_days: int) -> np.ndarray:
    """Kaplan-Meier cumulative incidence ``1 - S(t)`` for every segment code at once.

    Parameters
    ----------
    codes : numpy.ndarray
        Segment code (0 .. n_codes - 1) of each row.
    days, event : numpy.ndarray
        From :func:`durations`.
    n_codes : int
        Number of segments.
    horizon_days : int
        Last day of the curve.

    Returns
    -------
    numpy.ndarray
        ``(n_codes, horizon_days + 1)``: column ``t`` is the share converted within ``t``
        days; rows of empty segments are zero.
    """
    width = horizon_days + 1
    slot = codes * width + days
    events = np.bincount(slot, weights=event, minlength=n_codes * width).reshape(
        n_codes, width).astype(np.float64)  # bincount of no rows is int64 even with weights
    leaving = np.bincount(slot, minlength=n_codes * width).reshape(n_codes, width)
    total = leaving.sum(axis=1, keepdims=True)
    exits_before = np.cumsum(leaving, axis=1) - leaving
    at_risk = (total - exits_before).astype(np.float64)
    hazard = np.divide(events, at_risk, out=np.zeros_like(events), where=at_risk > 0)
    return np.asarray(1.0 - np.cumprod(1.0 - hazard, axis=1))


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
