"""The forward-looking outcome the KPI weights are learned against.

For a team's KPIs in month ``m``: the 365-day value of the customers the team acquires in
months ``m+1..m+3`` minus the spend attributed to it in those months.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from features._checks import DAY_NS, require_columns
from features.customers import customer_codes
from features.kpis import (
    attributed_spend,
    customer_teams,
    panel_index,
    spend_owners,
    value_within_days,
)

if TYPE_CHECKING:
    from features.contract import Dataset

POOLED = "__all__"
MIN_CURVE_CUSTOMERS = 30
SOURCES = ("realised", "cltv_model", "value_curve", "realised_to_date")


def observed_days(customers: pd.DataFrame, as_of: pd.Timestamp, horizon_days: int) -> np.ndarray:
    """Days of each customer's horizon observed by ``as_of``, in [0, horizon_days]."""
    acquired = customers["acquired_at"].to_numpy(dtype="datetime64[ns]").view(np.int64)
    days = (pd.Timestamp(as_of).as_unit("ns").value - acquired) / DAY_NS
    return np.clip(days, 0.0, float(horizon_days))


def channel_value_curves(
    customers: pd.DataFrame, orders: pd.DataFrame, as_of: pd.Timestamp,
    horizon_days: int = 365, value_col: str = "revenue",
) -> pd.DataFrame:
    """Share of the horizon value reached after each whole day, per acquisition channel.

    Parameters
    ----------
    customers : pd.DataFrame
        Requires ``customer_id``, ``acquired_at``, ``acquisition_channel``; only
        customers whose whole horizon ends by ``as_of`` shape the curves.
    orders : pd.DataFrame
        Requires ``customer_id``, ``ordered_at``, ``value_col``.
    as_of : pd.Timestamp
        The end of the observed data.
    horizon_days : int
        The value horizon.
    value_col : str
        The value summed.

    Returns
    -------
    pd.DataFrame
        Index day ``0..horizon_days``: row ``t`` is the share of the horizon value earned
        in the first ``t`` days (0 at day 0, 1 at the horizon). One column per channel
        with at least ``MIN_CURVE_CUSTOMERS`` fully observed customers, plus ``POOLED``;
        no columns when no customer is fully observed.
    """
    require_columns(customers, ("customer_id", "acquired_at", "acquisition_channel"), "customers")
    require_columns(orders, ("customer_id", "ordered_at", value_col), "orders")
    days = pd.RangeIndex(horizon_days + 1, name="day")
    full = customers.loc[observed_days(customers, as_of, horizon_days) >= horizon_days]
    if full.empty:
        return pd.DataFrame(index=days)
    ids = pd.Index(full["customer_id"].astype("str"))
    codes = customer_codes(orders["customer_id"].astype("str"), ids)
    start = full["acquired_at"].to_numpy(dtype="datetime64[ns]").view(np.int64)
    stamps = orders["ordered_at"].to_numpy(dtype="datetime64[ns]").view(np.int64)
    known = codes >= 0
    day = np.floor((stamps[known] - start[codes[known]]) / DAY_NS)
    inside = (day >= 0) & (day < horizon_days)
    channel_codes, channels = pd.factorize(full["acquisition_channel"].astype("str"))
    rows = channel_codes[codes[known][inside]]
    values = orders[value_col].to_numpy(dtype=np.float64)[known][inside]
    grid = np.zeros((len(channels), horizon_days + 1))
    np.add.at(grid, (rows, day[inside].astype(np.int64) + 1), values)
    sizes = np.bincount(channel_codes, minlength=len(channels))
    curves = {POOLED: np.cumsum(grid.sum(axis=0))}
    for position in np.argsort(channels.to_numpy(dtype=str)):
        if sizes[position] >= MIN_CURVE_CUSTOMERS:
            curves[str(channels[position])] = np.cumsum(grid[position])
    frame = pd.DataFrame(curves, index=days)
    return frame / frame.iloc[-1].where(frame.iloc[-1] > 0)


def customer_value(
    customers: pd.DataFrame, orders: pd.DataFrame, as_of: pd.Timestamp,
    horizon_days: int = 365, predictions: pd.DataFrame | None = None, value_col: str = "revenue",
) -> pd.DataFrame:
    """Estimate each customer's value over its first ``horizon_days`` days.

    Parameters
    ----------
    customers : pd.DataFrame
        Requires ``customer_id``, ``acquired_at``, ``acquisition_channel``.
    orders : pd.DataFrame
        Requires ``customer_id``, ``ordered_at``, ``value_col``; orders from ``as_of``
        on are ignored.
    as_of : pd.Timestamp
        The end of the observed data.
    horizon_days : int
        The value horizon (365).
    predictions : pd.DataFrame, optional
        The CLTV model's ``customer_id`` and ``predicted_value`` (value over the
        ``horizon_days`` after ``as_of``). When given, a customer whose horizon is not
        fully observed gets its realised value plus ``predicted_value`` times the
        unobserved share of its horizon; otherwise (or when it has no prediction) its
        realised value divided by its channel's :func:`channel_value_curves` share.
    value_col : str
        The value summed (``revenue`` or ``margin``).

    Returns
    -------
    pd.DataFrame
        In customer row order: ``customer_id``, ``value``, ``realised`` (value observed
        by ``as_of``), ``observed_days`` and ``source`` (one of :data:`SOURCES`).
    """
    require_columns(customers, ("customer_id", "acquired_at", "acquisition_channel"), "customers")
    observed = observed_days(customers, as_of, horizon_days)
    realised = value_within_days(customers, orders.loc[orders["ordered_at"] < as_of],
                                 observed, value_col)
    ids = customers["customer_id"].astype("str")
    value, source = realised.copy(), np.full(len(ids), SOURCES[0], dtype=object)
    open_ = observed < horizon_days
    if predictions is not None:
        predicted = predictions.set_index(predictions["customer_id"].astype("str"))
        future = predicted["predicted_value"].reindex(ids).to_numpy(dtype=np.float64)
        use = open_ & ~np.isnan(future)
        value[use] += future[use] * (1.0 - observed[use] / horizon_days)
        source[use] = SOURCES[1]
        open_ = open_ & ~use
    if open_.any():
        curves = channel_value_curves(customers, orders, as_of, horizon_days, value_col)
        share = _curve_share(curves, customers["acquisition_channel"], observed)
        scaled = open_ & (share > 0)
        value[scaled] = realised[scaled] / share[scaled]
        source[scaled] = SOURCES[2]
        source[open_ & ~scaled] = SOURCES[3]
    return pd.DataFrame({"customer_id": ids.to_numpy(), "value": value, "realised": realised,
                         "observed_days": observed, "source": source})


def _curve_share(curves: pd.DataFrame, channels: pd.Series, observed: np.ndarray) -> np.ndarray:
    """Share of the horizon value a customer's channel earns in its observed days (0: none)."""
    if curves.empty or POOLED not in curves.columns:
        return np.zeros(len(observed))
    day = np.minimum(np.ceil(observed), curves.index[-1]).astype(np.int64)
    names = channels.astype("str").to_numpy()
    column = np.where(np.isin(names, curves.columns.to_numpy(dtype=str)), names, POOLED)
    positions = curves.columns.get_indexer(pd.Index(column))
    return np.nan_to_num(curves.to_numpy()[day, positions], nan=0.0)


def forward_outcome(net: pd.Series, horizon_months: int = 3) -> pd.Series:
    """Sum each team's net value over the next ``horizon_months`` months.

    Parameters
    ----------
    net : pd.Series
        Net value (acquired value minus attributed spend) on a (team, month) index
        holding every month of every team, sorted.
    horizon_months : int
        Months ahead summed: month ``m`` gets months ``m+1..m+horizon_months``.

    Returns
    -------
    pd.Series
        Named ``outcome``, on the months whose window ends within the index (later
        months are dropped: their window runs past the data).
    """
    if horizon_months < 1:
        raise ValueError(f"horizon_months must be at least 1, got {horizon_months}")
    grouped = net.groupby(level="team", sort=False)
    ahead = sum(grouped.shift(-k) for k in range(1, horizon_months + 1))
    return pd.Series(ahead, index=net.index, name="outcome").dropna()


def team_outcome(
    data_customers: pd.DataFrame, values: pd.DataFrame, teams: pd.Series,
    spend: pd.Series, horizon_months: int = 3,
) -> pd.DataFrame:
    """Build the forward outcome of every (team, month) whose window is observed.

    Parameters
    ----------
    data_customers : pd.DataFrame
        Requires ``customer_id``, ``acquired_at``.
    values : pd.DataFrame
        :func:`customer_value` output (``customer_id``, ``value``, ``realised``).
    teams : pd.Series
        Team per ``customer_id``; customers without one are left out.
    spend : pd.Series
        Attributed spend on the full (team, month) panel index.
    horizon_months : int
        Months ahead in the outcome.

    Returns
    -------
    pd.DataFrame
        ``team``, ``month``, ``outcome``, ``value_ahead``, ``spend_ahead``,
        ``customers_ahead`` (customers acquired in the window) and ``predicted_share``
        (the share of ``value_ahead`` not yet realised, i.e. from a model or a value curve).
    """
    require_columns(values, ("customer_id", "value", "realised"), "values")
    ids = data_customers["customer_id"].astype("str")
    frame = values.set_index("customer_id").reindex(ids).assign(
        team=teams.reindex(ids).to_numpy(dtype=object),
        month=data_customers["acquired_at"].to_numpy(dtype="datetime64[ns]").astype(
            "datetime64[M]").astype("datetime64[ns]"))
    frame = frame.loc[frame["team"].notna()]
    grouped = frame.assign(estimated=frame["value"] - frame["realised"]).groupby(["team", "month"])
    value = grouped["value"].sum().reindex(spend.index, fill_value=0.0)
    guessed = grouped["estimated"].sum().reindex(spend.index, fill_value=0.0)
    acquired = grouped["value"].size().astype(np.float64).reindex(spend.index, fill_value=0.0)
    ahead = {name: forward_outcome(series, horizon_months) for name, series in
             {"outcome": value - spend, "value_ahead": value, "spend_ahead": spend,
              "customers_ahead": acquired, "estimated": guessed}.items()}
    out = pd.DataFrame(ahead).dropna()
    share = (out["estimated"] / out["value_ahead"].where(out["value_ahead"] > 0)).fillna(0.0)
    return out.drop(columns="estimated").assign(predicted_share=share).reset_index()


def build_outcome(
    data: Dataset, as_of: pd.Timestamp, predictions: pd.DataFrame | None = None,
    value_col: str = "revenue", horizon_days: int = 365, horizon_months: int = 3,
) -> pd.DataFrame:
    """Build the forward outcome of every (team, month) of the KPI panel with a full window.

    Parameters
    ----------
    data : Dataset
        The tables (see :func:`customer_value` and :func:`features.kpis.customer_kpis`).
    as_of : pd.Timestamp
        The end of the observed data; the panel's months end by it.
    predictions : pd.DataFrame, optional
        The CLTV model's per-customer ``predicted_value``; a value curve when None.
    value_col : str
        ``revenue`` or ``margin``.
    horizon_days, horizon_months : int
        Value horizon per customer; months ahead in the outcome.

    Returns
    -------
    pd.DataFrame
        See :func:`team_outcome`.
    """
    teams = customer_teams(data.customers, data.leads)
    index = panel_index(data, teams, pd.Timestamp(as_of))
    owned = data.customers.assign(
        team=teams.reindex(data.customers["customer_id"].astype("str")).to_numpy())
    spend = attributed_spend(data.spend, spend_owners(data, owned.loc[owned["team"].notna()]),
                             index)
    values = customer_value(data.customers, data.orders, as_of, horizon_days, predictions,
                            value_col)
    return team_outcome(data.customers, values, teams, spend, horizon_months)
