"""Weekly churn: the lapse rate of live customers, and the evidence test behind its alerts.

Customers are non-contractual, so nobody cancels: a customer *lapses* once silent for several
of their own gaps between orders. That weekly lapse rate is the series a manager reads. Its
alerts are tested on finer evidence: each week, every customer's orders against what their
own purchase rhythm and silence so far predict (:func:`alive_evidence`). Definitions and
why: ``docs/monitoring.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd

from features._checks import DAY_NS, WEEK_NS, datetime_ns
from features.customers import customer_codes
from features.kpi_reference import (
    Counts,
    KpiMatrix,
    channel_parts,
    lagged_sum,
    rate_expectation,
    ratio_or_nan,
)

if TYPE_CHECKING:
    from features.kpi_segments import Segments
    from features.kpi_windows import SeriesWindows

MIN_ALIVE = 0.02  # customers below this posterior P(alive) add nothing to the evidence test
NO_REPEATS_GAP_DAYS = 60.0  # prior mean gap before any customer has a second order


class OrderHistory(NamedTuple):
    """Every order's customer position and time (ns), sorted by time, and the customer count."""

    owner: np.ndarray
    stamps: np.ndarray
    n_customers: int


def order_history(customers: pd.DataFrame, orders: pd.DataFrame) -> OrderHistory:
    """Return the orders of known customers sorted by time (unknown customers' dropped)."""
    owner = customer_codes(orders["customer_id"], pd.Index(customers["customer_id"]))
    stamps = datetime_ns(orders["ordered_at"])
    keep = owner >= 0
    owner, stamps = owner[keep], stamps[keep]
    order = np.argsort(stamps, kind="stable")
    return OrderHistory(owner[order], stamps[order], len(customers))


class _OrderClock:
    """Each customer's first and last order (days from the first order) and order count.

    Advanced week by week through an :class:`OrderHistory`.
    """

    def __init__(self, history: OrderHistory) -> None:
        self.history = history
        self.origin = int(history.stamps[0]) if len(history.stamps) else 0
        n = history.n_customers
        self.first, self.last, self.count = np.full(n, np.nan), np.full(n, np.nan), np.zeros(n)
        self._next = 0

    def day(self, stamp_ns: int) -> float:
        return (stamp_ns - self.origin) / DAY_NS

    def mean_gap(self) -> np.ndarray:
        """Mean days between a customer's orders (meaningful with two orders or more)."""
        return (self.last - self.first) / np.maximum(self.count - 1, 1)

    def advance(self, until_ns: int) -> np.ndarray:
        """Apply the orders placed before ``until_ns``; return who ordered among them."""
        before = self.last.copy()
        hi = int(np.searchsorted(self.history.stamps, until_ns))
        owner = self.history.owner[self._next:hi]
        days = (self.history.stamps[self._next:hi] - self.origin) / DAY_NS
        np.fmax.at(self.last, owner, days)
        np.fmin.at(self.first, owner, days)
        np.add.at(self.count, owner, 1.0)
        self._next = hi
        return np.isfinite(self.last) & (self.last != before)


def _segment_sum(segments: Segments) -> Callable[[np.ndarray], np.ndarray]:
    """Return a function that sums a per-customer array over each segment's customers."""
    rows, codes = segments.expanded()
    n_codes = len(segments.labels)
    return lambda values: np.bincount(codes, weights=values[rows], minlength=n_codes)


def churn_series(customers: pd.DataFrame, orders: pd.DataFrame, segments: Segments,
                 weeks: pd.DatetimeIndex, windows: SeriesWindows,
                 ) -> KpiMatrix:
    """Weekly lapse rate: the share of customers live at a week's start who lapse in it.

    Live: an order in the last ``active_days`` and not yet lapsed. Lapsed: no order for
    ``lapse_gaps`` times the customer's own mean gap between orders, clipped to
    [lapse_min_days, lapse_max_days] (the maximum with one order). Events and live customers
    are summed over the trailing ``churn_weeks`` weeks; ``n`` is the live customers. The
    test's events are the alive evidence (:func:`alive_evidence`) when
    ``windows.churn_evidence``, else the lapses against the live customers.
    """
    history = order_history(customers, orders)
    hits, base = lapse_counts(history, segments, weeks, windows)
    tested = (alive_evidence(history, segments, weeks, windows) if windows.churn_evidence
              else (hits, base))
    counts = rate_expectation(*tested, windows.reference_weeks, windows.guard_weeks,
                              windows.min_rows, channel_parts(segments))
    exposed = lagged_sum(base, windows.churn_weeks)
    return KpiMatrix(ratio_or_nan(lagged_sum(hits, windows.churn_weeks), exposed), exposed,
                     counts)


def lapse_counts(history: OrderHistory, segments: Segments, weeks: pd.DatetimeIndex,
                 windows: SeriesWindows) -> Counts:
    """Per (segment, week): customers who lapse in the week, and customers live at its start."""
    clock, total = _OrderClock(history), _segment_sum(segments)
    hits = np.zeros((len(segments.labels), len(weeks)))
    base = np.zeros_like(hits)
    for position, week in enumerate(weeks.as_unit("ns").asi8):  # state carried week to week
        start = clock.day(int(week))
        gap = np.where(clock.count > 1, clock.mean_gap(), np.inf)
        lapse = np.clip(windows.lapse_gaps * gap, windows.lapse_min_days, windows.lapse_max_days)
        silence = start - clock.last
        live = (silence <= windows.active_days) & (silence <= lapse)
        ordered = clock.advance(int(week) + WEEK_NS)
        lapsed = live & ~ordered & ((silence + 7.0) > lapse)
        base[:, position] = total(live)
        hits[:, position] = total(lapsed)
    return hits, base


def _death_density(days: np.ndarray, scale: np.ndarray, shape: np.ndarray,
                   hazard: float) -> np.ndarray:
    """Density of dying ``days`` after the last order with no order since.

    Lifetimes are exponential (``hazard`` per day); purchase rates are gamma
    (``shape``, rate ``scale`` days), so P(no order in ``days`` | alive) is
    ``(scale / (scale + days)) ** shape``.
    """
    return hazard * np.exp(-hazard * days) * (scale / (scale + days)) ** shape


def _simpson(low: np.ndarray, high: np.ndarray, scale: np.ndarray, shape: np.ndarray,
             hazard: float) -> np.ndarray:
    """Integral of :func:`_death_density` from ``low`` to ``high`` (at most a week apart)."""
    mid = 0.5 * (low + high)
    return (high - low) / 6.0 * (_death_density(low, scale, shape, hazard)
                                 + 4.0 * _death_density(mid, scale, shape, hazard)
                                 + _death_density(high, scale, shape, hazard))


def alive_evidence(history: OrderHistory, segments: Segments, weeks: pd.DatetimeIndex,
                   windows: SeriesWindows) -> Counts:
    """Per (segment, week): the score test of the lapsing hazard on the week's orders.

    Each customer is a Pareto/NBD-style process: orders at a gamma-distributed rate (prior:
    one order per the median gap of the repeat customers so far, updated by the customer's
    own orders) until an exponential lifetime ends (``churn_lifetime_days`` on average). At
    a week's start a customer silent for ``s`` days is alive with posterior probability
    ``pi`` and, if alive, orders within the week with probability ``q``. The score of the
    log hazard is then ``w * (silent - (1 - pi q))`` with ``w = (1 - pi) / (1 - pi q)``: a
    silence weighs in proportion to the doubt the customer is alive. Events are the
    weighted silences; exposure their expectation ``w (1 - pi q)``, calibrated by the
    reference rate like the other rates. Customers just seen ordering (``pi`` near 1) and
    long gone (``pi`` below :data:`MIN_ALIVE`) carry no information and are left out.
    """
    clock, total = _OrderClock(history), _segment_sum(segments)
    n = history.n_customers
    scale, shape = np.full(n, np.nan), np.ones(n)
    dead, integrated = np.zeros(n), np.zeros(n)  # P(died since the last order, silent) so far
    hits = np.zeros((len(segments.labels), len(weeks)))
    base = np.zeros_like(hits)
    hazard = 1.0 / windows.churn_lifetime_days
    for position, week in enumerate(weeks.as_unit("ns").asi8):  # state carried week to week
        silence = clock.day(int(week)) - clock.last
        seen = np.isfinite(clock.last)
        with np.errstate(invalid="ignore"):
            dead = np.where(seen, dead + _simpson(integrated, silence, scale, shape, hazard), 0.0)
            alive = np.exp(-hazard * silence) * (scale / (scale + silence)) ** shape
            pi = np.where(seen, alive / (alive + dead), 0.0)
            q = np.where(seen, 1.0 - ((scale + silence) / (scale + silence + 7.0)) ** shape, 0.0)
        integrated = np.where(seen, silence, 0.0)
        tracked = seen & (silence <= windows.churn_track_days) & (pi >= MIN_ALIVE)
        expected_silent = 1.0 - pi * q
        weight = np.where(tracked, (1.0 - pi) / np.maximum(expected_silent, 1e-12), 0.0)
        ordered = clock.advance(int(week) + WEEK_NS)
        base[:, position] = total(weight * expected_silent)
        hits[:, position] = total(weight * ~ordered)
        # an order restarts the customer's silence and updates their rate's posterior
        repeat = clock.count > 1
        prior_gap = (float(np.median(clock.mean_gap()[repeat])) if repeat.any()
                     else NO_REPEATS_GAP_DAYS)
        scale = np.where(ordered, prior_gap + (clock.last - clock.first), scale)
        shape = np.where(ordered, clock.count, shape)
        dead = np.where(ordered, 0.0, dead)
        integrated = np.where(ordered, 0.0, integrated)
    return hits, base
