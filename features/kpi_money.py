"""Money behind the team KPIs: spend attributed to teams, and customer value within a window."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from features._checks import DAY_NS, require_columns
from features.customers import customer_codes

if TYPE_CHECKING:
    from features.contract import Dataset

_DAY = pd.Timedelta(days=1)


def month_of(stamps: pd.Series) -> np.ndarray:
    """Return the month start of each timestamp as ``datetime64[ns]`` (NaT stays NaT)."""
    return stamps.to_numpy(dtype="datetime64[ns]").astype("datetime64[M]").astype("datetime64[ns]")


def attributed_spend(
    spend: pd.DataFrame, owners: pd.DataFrame, index: pd.MultiIndex
) -> pd.Series:
    """Split each channel's monthly spend across teams by their share of its rows.

    Parameters
    ----------
    spend : pd.DataFrame
        Requires ``week`` (a Monday), ``channel``, ``spend``; a week's spend is spread
        evenly over its seven days before summing by month.
    owners : pd.DataFrame
        Requires ``stamp``, ``channel``, ``team``: the rows (leads, or new customers
        without a leads table) whose monthly share per channel sets each team's part.
    index : pd.MultiIndex
        The (team, month) panel index.

    Returns
    -------
    pd.Series
        Attributed spend per (team, month); spend of a channel-month without owners is
        not attributed.
    """
    require_columns(spend, ("week", "channel", "spend"), "spend")
    days = spend.loc[spend.index.repeat(7), ["week", "channel", "spend"]]
    offsets = np.tile(np.arange(7), len(spend)) * _DAY
    daily = pd.DataFrame({"month": month_of(days["week"] + offsets),
                          "channel": days["channel"].astype("str").to_numpy(),
                          "spend": days["spend"].to_numpy(dtype=np.float64) / 7.0})
    monthly = daily.groupby(["month", "channel"])["spend"].sum()
    owned = pd.DataFrame({"team": owners["team"].to_numpy(dtype=object),
                          "month": month_of(owners["stamp"]),
                          "channel": owners["channel"].astype("str").to_numpy()})
    counts = owned.dropna().groupby(["month", "channel", "team"]).size()
    shares = counts / counts.groupby(level=["month", "channel"]).transform("sum")
    keys = pd.MultiIndex.from_arrays([shares.index.get_level_values("month"),
                                      shares.index.get_level_values("channel")])
    channel_spend = monthly.reindex(keys).to_numpy(dtype=np.float64)
    parts = pd.Series(shares.to_numpy(dtype=np.float64) * channel_spend, index=shares.index)
    by_team = parts.groupby(level=["team", "month"]).sum()
    return by_team.reindex(index, fill_value=0.0).fillna(0.0)


def spend_owners(data: Dataset, customers: pd.DataFrame) -> pd.DataFrame:
    """Rows that set each team's share of a channel's spend: leads, else new customers.

    ``customers`` holds ``acquired_at``, ``acquisition_channel`` and a known ``team``.
    """
    if data.leads is not None and "team" in data.leads.columns:
        leads = data.leads
        return pd.DataFrame({"stamp": leads["created_at"], "channel": leads["channel"],
                             "team": leads["team"]})
    return pd.DataFrame({"stamp": customers["acquired_at"].to_numpy(),
                         "channel": customers["acquisition_channel"].to_numpy(),
                         "team": customers["team"].to_numpy()})


def value_within_days(
    customers: pd.DataFrame,
    orders: pd.DataFrame,
    days: float | np.ndarray,
    value_col: str = "revenue",
) -> np.ndarray:
    """Sum each customer's ``value_col`` over its first ``days`` days from acquisition.

    Parameters
    ----------
    customers : pd.DataFrame
        Requires ``customer_id`` (str, unique) and ``acquired_at``.
    orders : pd.DataFrame
        Requires ``customer_id``, ``ordered_at`` and ``value_col``.
    days : float or numpy.ndarray
        Window length in days, one for all or one per customer (in row order).
    value_col : str
        The column to sum.

    Returns
    -------
    numpy.ndarray
        float64 sums in the row order of ``customers`` (0.0 without orders).
    """
    require_columns(customers, ("customer_id", "acquired_at"), "customers")
    require_columns(orders, ("customer_id", "ordered_at", value_col), "orders")
    ids = pd.Index(customers["customer_id"].astype("str"))
    codes = customer_codes(orders["customer_id"].astype("str"), ids)
    known = codes >= 0
    limit = np.broadcast_to(np.asarray(days, dtype=np.float64), (len(ids),))
    start = customers["acquired_at"].to_numpy(dtype="datetime64[ns]").view(np.int64)
    stamps = orders["ordered_at"].to_numpy(dtype="datetime64[ns]").view(np.int64)
    offset = (stamps[known] - start[codes[known]]) / DAY_NS
    inside = (offset >= 0) & (offset < limit[codes[known]])
    values = orders[value_col].to_numpy(dtype=np.float64)[known][inside]
    return np.bincount(codes[known][inside], weights=values, minlength=len(ids))
