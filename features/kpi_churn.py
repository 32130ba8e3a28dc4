"""Weekly churn: the lapse rate of live customers, each relative to their own purchase rhythm.

Customers are non-contractual, so nobody cancels: a customer *lapses* once silent for several
of their own gaps between orders. Definitions and why: ``docs/monitoring.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from features._checks import DAY_NS, WEEK_NS, datetime_ns
from features.customers import customer_codes
from features.kpi_reference import (
    KpiMatrix,
    channel_parts,
    lagged_sum,
    rate_expectation,
    ratio_or_nan,
)

if TYPE_CHECKING:
    from features.kpi_segments import Segments
    from features.kpi_windows import SeriesWindows


def churn_series(customers: pd.DataFrame, orders: pd.DataFrame, segments: Segments,
                 weeks: pd.DatetimeIndex, windows: SeriesWindows,
                 ) -> KpiMatrix:
    """Weekly lapse rate: the share of customers live at a week's start who lapse in it.

    Live: an order in the last ``active_days`` and not yet lapsed. Lapsed: no order for
    ``lapse_gaps`` times the customer's own mean gap between orders, clipped to
    [lapse_min_days, lapse_max_days] (the maximum with one order). Events and live customers
    are summed over the trailing ``churn_weeks`` weeks; ``n`` is the live customers.
    """
    ids = pd.Index(customers["customer_id"])
    owner = customer_codes(orders["customer_id"], ids)
    stamps = datetime_ns(orders["ordered_at"])
    keep = owner >= 0
    owner, stamps = owner[keep], stamps[keep]
    order = np.argsort(stamps, kind="stable")
    owner, stamps = owner[order], stamps[order]
    n = len(ids)
    first, last, count = np.full(n, np.nan), np.full(n, np.nan), np.zeros(n)
    rows, codes = segments.expanded()
    n_codes = len(segments.labels)
    hits = np.zeros((n_codes, len(weeks)))
    base = np.zeros((n_codes, len(weeks)))
    lo = 0
    origin = stamps[0] if len(stamps) else 0
    for position, week in enumerate(weeks.as_unit("ns").asi8):  # state carried week to week
        start = (int(week) - origin) / DAY_NS
        gap = np.where(count > 1, (last - first) / np.maximum(count - 1, 1), np.inf)
        lapse = np.clip(windows.lapse_gaps * gap, windows.lapse_min_days, windows.lapse_max_days)
        live = ((start - last) <= windows.active_days) & ((start - last) <= lapse)
        before = last.copy()
        hi = int(np.searchsorted(stamps, int(week) + WEEK_NS))
        days = (stamps[lo:hi] - origin) / DAY_NS
        np.fmax.at(last, owner[lo:hi], days)
        np.fmin.at(first, owner[lo:hi], days)
        np.add.at(count, owner[lo:hi], 1.0)
        lo = hi
        lapsed = live & (last == before) & ((start + 7.0 - before) > lapse)
        base[:, position] = np.bincount(codes, weights=live[rows], minlength=n_codes)
        hits[:, position] = np.bincount(codes, weights=lapsed[rows], minlength=n_codes)
    events = lagged_sum(hits, windows.churn_weeks)
    exposed = lagged_sum(base, windows.churn_weeks)
    counts = rate_expectation(hits, base, windows.reference_weeks, windows.guard_weeks,
                              windows.min_rows, channel_parts(segments))
    return KpiMatrix(ratio_or_nan(events, exposed), exposed, counts)
