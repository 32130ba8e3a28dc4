"""Team x month KPI panel: a month's KPIs use only rows dated before that month ends.

Definitions are documented in ``docs/kpis.md``; cohort KPIs use fixed windows that have
closed by the month's end, so later data never changes an earlier month's KPIs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from features._checks import DAY_NS, DAY_SECONDS, require_columns
from features.customers import customer_codes
from features.kpi_money import attributed_spend, month_of, spend_owners, value_within_days

if TYPE_CHECKING:
    from features.contract import Dataset

KPI_NAMES = (
    "leads",
    "mql_to_sql_rate",
    "lead_to_customer_rate",
    "median_days_to_convert",
    "new_customers",
    "avg_cltv_new",
    "cac",
    "retention_90d",
    "revenue",
    "activity_per_lead",
)
# KPIs a team can inflate without creating value: the scheme audit's gaming test inflates
# them, and the KPI weights never let them share another KPI's between-team credit.
VOLUME_KPIS = ("leads", "activity_per_lead")
PANEL_KEYS = ("team", "month")
__all__ = ["KPI_NAMES", "VOLUME_KPIS", "KpiWindows", "attributed_spend", "build_kpi_panel",
           "customer_teams", "month_of", "spend_owners", "value_within_days"]


@dataclass(frozen=True)
class KpiWindows:
    """Fixed windows (days) of the cohort KPIs; each window closes by its month's end.

    Attributes
    ----------
    conversion_days : int
        A lead (or MQL) counts as converted (or SQL) if it does so within this many days.
    value_days : int
        ``avg_cltv_new`` is the mean revenue of a customer's first ``value_days`` days.
    cohort_days : int
        Length of the creation (or acquisition) window of a cohort KPI.
    retention_days : int
        ``retention_90d`` looks for an order in the last ``retention_days`` days of the
        month, among customers acquired ``retention_days`` to twice that many days earlier.
    """

    conversion_days: int = 45
    value_days: int = 30
    cohort_days: int = 45
    retention_days: int = 90


def complete_months(first: pd.Timestamp, as_of: pd.Timestamp) -> pd.DatetimeIndex:
    """Return the month starts from ``first``'s month to the last month ending by ``as_of``."""
    start = pd.Timestamp(first).to_period("M").start_time
    last = (pd.Timestamp(as_of) - pd.Timedelta(1)).to_period("M").start_time
    if (last + pd.offsets.MonthBegin(1)) > pd.Timestamp(as_of):
        last = last - pd.offsets.MonthBegin(1)
    return pd.date_range(start, last, freq="MS", unit="ns")


def customer_teams(customers: pd.DataFrame, leads: pd.DataFrame | None) -> pd.Series:
    """Return each customer's team: the converting lead's team, else ``customers.team``.

    Parameters
    ----------
    customers : pd.DataFrame
        Requires ``customer_id``; optional ``team``.
    leads : pd.DataFrame or None
        Used when it has ``customer_id`` and ``team``.

    Returns
    -------
    pd.Series
        Team (str) indexed by ``customer_id``, only for customers whose team is known.
    """
    require_columns(customers, ["customer_id"], "customers")
    ids = pd.Index(customers["customer_id"].astype("str"))
    team = pd.Series(np.nan, index=ids, dtype="object")
    if "team" in customers.columns:
        team = pd.Series(customers["team"].to_numpy(dtype=object), index=ids)
    if leads is not None and {"customer_id", "team"} <= set(leads.columns):
        won = leads.loc[leads["customer_id"].notna() & leads["team"].notna()]
        by_lead = won.drop_duplicates("customer_id").set_index("customer_id")["team"]
        from_leads = by_lead.reindex(ids).to_numpy(dtype=object)
        team = pd.Series(np.where(pd.isna(from_leads), team.to_numpy(), from_leads), index=ids)
    return team.dropna().astype("str").rename("team").rename_axis("customer_id")


def _team_month_sum(
    teams: pd.Series, months: np.ndarray, values: np.ndarray | None, index: pd.MultiIndex
) -> pd.Series:
    """Sum ``values`` (or count rows) per (team, month) on the panel index, zero-filled."""
    codes, names = pd.factorize(teams)
    return _coded_team_month_sum(codes, pd.Index(names), months, values, index)


def _coded_team_month_sum(codes: np.ndarray, names: pd.Index, months: np.ndarray,
                          values: np.ndarray | None, index: pd.MultiIndex) -> pd.Series:
    """:func:`_team_month_sum` with each row's team as a code into ``names`` (-1: none).

    Integer codes spare 12M orders their team names (the large world's ``kpi_weights`` stage:
    46 s before, 42 s after). Each group still sums its rows in row order, so the sums are
    the same.
    """
    month = np.asarray(months, dtype="datetime64[ns]")
    keep = (codes >= 0) & ~np.isnat(month)
    value = np.ones(len(month)) if values is None else np.asarray(values, dtype=np.float64)
    keys = pd.DataFrame({"team": codes[keep], "month": month[keep], "value": value[keep]})
    summed = keys.groupby(["team", "month"])["value"].sum()
    team = names.to_numpy(dtype=object)[summed.index.get_level_values("team").to_numpy()]
    summed.index = pd.MultiIndex.from_arrays(
        [team, summed.index.get_level_values("month")], names=["team", "month"])
    return summed.reindex(index, fill_value=0.0)


def _cohort_kpi(
    stamps: pd.Series,
    teams: pd.Series,
    values: np.ndarray,
    lag_days: int,
    cohort_days: int,
    index: pd.MultiIndex,
) -> pd.Series:
    """Mean of ``values`` per team over rows stamped in [end - lag - cohort, end - lag).

    ``end`` is each panel month's end; rows without a team or stamp are left out.
    """
    stamp = stamps.to_numpy(dtype="datetime64[ns]")
    team = teams.to_numpy(dtype=object)
    known = ~pd.isna(team) & ~pd.isna(stamp)
    lag = np.timedelta64(lag_days * DAY_NS, "ns")
    length = np.timedelta64(cohort_days * DAY_NS, "ns")
    parts = []
    for month in index.get_level_values("month").unique():  # one mask per month
        stop = (month + pd.offsets.MonthBegin(1)).to_datetime64() - lag
        rows = known & (stamp >= stop - length) & (stamp < stop)
        means = pd.Series(values[rows]).groupby(team[rows]).mean()
        parts.append(pd.DataFrame({"team": means.index, "month": month, "value": means.values}))
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        {"team": [], "month": [], "value": []})
    return frame.set_index(["team", "month"])["value"].reindex(index).astype(np.float64)


def _within(start: pd.Series, end: pd.Series, days: int) -> np.ndarray:
    """1.0 where ``end`` is set and falls within ``days`` of ``start``, else 0.0."""
    gap = (end - start).to_numpy(dtype="timedelta64[ns]")
    hit = ~pd.isna(gap) & (gap <= np.timedelta64(days * DAY_NS, "ns"))
    return hit.astype(np.float64)


def _retention(
    customers: pd.DataFrame, orders: pd.DataFrame, days: int, index: pd.MultiIndex
) -> pd.Series:
    """Share of customers acquired [2*days, days) before month end with an order in the last days.

    ``customers`` holds ``customer_id``, ``acquired_at`` and ``team`` (known teams only).
    """
    acquired = customers["acquired_at"].to_numpy(dtype="datetime64[ns]")
    ordered = orders["ordered_at"].to_numpy(dtype="datetime64[ns]")
    buyer = customer_codes(orders["customer_id"], pd.Index(customers["customer_id"]))
    team = customers["team"].to_numpy(dtype=object)
    window = np.timedelta64(days * DAY_NS, "ns")
    parts = []
    for month in index.get_level_values("month").unique():  # one mask per month
        end = (month + pd.offsets.MonthBegin(1)).to_datetime64()
        active = np.zeros(len(customers))
        recent = buyer[(ordered >= end - window) & (ordered < end) & (buyer >= 0)]
        active[recent] = 1.0
        cohort = (acquired >= end - 2 * window) & (acquired < end - window)
        share = pd.Series(active[cohort]).groupby(team[cohort]).mean()
        parts.append(pd.DataFrame({"team": share.index, "month": month, "value": share.values}))
    frame = pd.concat(parts, ignore_index=True)
    return frame.set_index(["team", "month"])["value"].reindex(index).astype(np.float64)


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """``numerator / denominator``, NaN where the denominator is zero."""
    return (numerator / denominator.where(denominator > 0)).astype(np.float64)


def lead_kpis(leads: pd.DataFrame, index: pd.MultiIndex, windows: KpiWindows) -> pd.DataFrame:
    """Return the lead KPIs whose columns exist: volume, funnel rates, cycle time, activity.

    Parameters
    ----------
    leads : pd.DataFrame
        Requires ``created_at``, ``team``; optional ``mql_at`` with ``sql_at``,
        ``converted_at`` and ``touches`` add the KPIs built on them.
    index : pd.MultiIndex
        The (team, month) panel index.
    windows : KpiWindows
        Fixed windows of the cohort rates.

    Returns
    -------
    pd.DataFrame
        On ``index``: ``leads`` and, when their columns exist, ``mql_to_sql_rate``,
        ``lead_to_customer_rate``, ``median_days_to_convert``, ``activity_per_lead``.
    """
    require_columns(leads, ("created_at", "team"), "leads")
    team, created = leads["team"], leads["created_at"]
    out = {"leads": _team_month_sum(team, month_of(created), None, index)}
    cohort = {"lag_days": windows.conversion_days, "cohort_days": windows.cohort_days}
    if {"mql_at", "sql_at"} <= set(leads.columns):
        to_sql = _within(leads["mql_at"], leads["sql_at"], windows.conversion_days)
        out["mql_to_sql_rate"] = _cohort_kpi(leads["mql_at"], team, to_sql, index=index, **cohort)
    if "converted_at" in leads.columns:
        won = _within(created, leads["converted_at"], windows.conversion_days)
        out["lead_to_customer_rate"] = _cohort_kpi(created, team, won, index=index, **cohort)
        out["median_days_to_convert"] = _median_days(leads, index)
    if "touches" in leads.columns:
        touches = leads["touches"].to_numpy(dtype=np.float64)
        counted = pd.Series(np.where(np.isnan(touches), np.nan, team.to_numpy(dtype=object)))
        total = _team_month_sum(team, month_of(created), np.nan_to_num(touches), index)
        out["activity_per_lead"] = _ratio(total, _team_month_sum(counted, month_of(created),
                                                                 None, index))
    return pd.DataFrame(out, index=index)


def _median_days(leads: pd.DataFrame, index: pd.MultiIndex) -> pd.Series:
    """Median days from creation to conversion of the leads that converted in the month."""
    won = leads.loc[leads["converted_at"].notna() & leads["team"].notna()]
    days = (won["converted_at"] - won["created_at"]).dt.total_seconds() / DAY_SECONDS
    frame = pd.DataFrame({"team": won["team"].astype("str").to_numpy(),
                          "month": month_of(won["converted_at"]), "days": days.to_numpy()})
    return frame.groupby(["team", "month"])["days"].median().reindex(index).astype(np.float64)


def customer_kpis(
    data: Dataset, teams: pd.Series, index: pd.MultiIndex, windows: KpiWindows
) -> pd.DataFrame:
    """Return the customer KPIs: new customers, early value, CAC, retention, revenue.

    Parameters
    ----------
    data : Dataset
        ``customers`` (customer_id, acquired_at, acquisition_channel), ``orders``
        (customer_id, ordered_at, revenue) and ``spend`` (week, channel, spend); leads
        (created_at, channel, team), when present, set each team's share of spend.
    teams : pd.Series
        Team per ``customer_id`` (see :func:`customer_teams`).
    index : pd.MultiIndex
        The (team, month) panel index.
    windows : KpiWindows
        Fixed windows of ``avg_cltv_new`` and ``retention_90d``.

    Returns
    -------
    pd.DataFrame
        On ``index``: ``new_customers``, ``avg_cltv_new``, ``cac``, ``retention_90d``,
        ``revenue``.
    """
    customers = data.customers.assign(customer_id=data.customers["customer_id"].astype("str"))
    customers = customers.assign(team=teams.reindex(customers["customer_id"]).to_numpy())
    customers = customers.loc[customers["team"].notna()]
    orders = data.orders.assign(customer_id=data.orders["customer_id"].astype("str"))
    team_code, team_names = pd.factorize(teams)
    owner = customer_codes(orders["customer_id"], teams.index)
    order_team = np.full(len(owner), -1, dtype=np.int64)
    order_team[owner >= 0] = team_code[owner[owner >= 0]]
    new = _team_month_sum(customers["team"], month_of(customers["acquired_at"]), None, index)
    early = value_within_days(customers, orders, windows.value_days)
    spend = attributed_spend(data.spend, spend_owners(data, customers), index)
    revenue = orders["revenue"].to_numpy(dtype=np.float64)
    cohort = {"lag_days": windows.value_days, "cohort_days": windows.cohort_days}
    return pd.DataFrame({
        "new_customers": new,
        "avg_cltv_new": _cohort_kpi(customers["acquired_at"], customers["team"], early,
                                    index=index, **cohort),
        "cac": _ratio(spend, new),
        "retention_90d": _retention(customers, orders, windows.retention_days, index),
        "revenue": _coded_team_month_sum(order_team, pd.Index(team_names),
                                         month_of(orders["ordered_at"]), revenue, index),
    }, index=index)


def panel_index(data: Dataset, teams: pd.Series, as_of: pd.Timestamp) -> pd.MultiIndex:
    """Every known team times every complete month from the first lead or customer."""
    names = set(teams.unique())
    stamps = [data.customers["acquired_at"].min()]
    if data.leads is not None:
        stamps.append(data.leads["created_at"].min())
        if "team" in data.leads.columns:
            names |= set(data.leads["team"].dropna().astype("str").unique())
    months = complete_months(min(stamps), as_of)
    team_index = pd.Index(sorted(names), dtype="str", name="team")
    return pd.MultiIndex.from_product([team_index, months], names=list(PANEL_KEYS))


def build_kpi_panel(
    data: Dataset, as_of: pd.Timestamp, windows: KpiWindows | None = None
) -> pd.DataFrame:
    """Build the team x month KPI panel of every month that ends by ``as_of``.

    Parameters
    ----------
    data : Dataset
        Validated tables; see :func:`lead_kpis` and :func:`customer_kpis` for the
        columns each KPI needs. Not modified.
    as_of : pd.Timestamp
        Only months ending by it are built; month ``m`` uses rows dated before its end.
    windows : KpiWindows, optional
        Fixed windows of the cohort KPIs; the defaults when None.

    Returns
    -------
    pd.DataFrame
        One row per (team, month), sorted: ``team``, ``month`` (month start), then the
        KPIs of :data:`KPI_NAMES` that the data supports, in that order.
    """
    windows = windows or KpiWindows()
    teams = customer_teams(data.customers, data.leads)
    index = panel_index(data, teams, pd.Timestamp(as_of))
    parts = [customer_kpis(data, teams, index, windows)]
    if data.leads is not None and "team" in data.leads.columns:
        leads = data.leads.loc[data.leads["team"].notna()]
        parts.insert(0, lead_kpis(leads.assign(team=leads["team"].astype("str")), index, windows))
    panel = pd.concat(parts, axis=1)
    ordered = [name for name in KPI_NAMES if name in panel.columns]
    return panel[ordered].reset_index()
