"""Weekly KPI series per segment, each week's value computed as of that week's end.

Weeks start on Monday. A week's value uses only rows dated before its end; every table is
first cut at ``as_of``, so rows after it change nothing. Definitions: ``docs/monitoring.md``.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from features._checks import datetime_ns, monday_ns, require_columns
from features.kpi_churn import churn_series
from features.kpi_intensity import (
    NAT,
    WEEK_NS,
    period_counts,
    period_incidence,
    truncated_median,
)
from features.kpi_reference import (
    Counts,
    KpiMatrix,
    channel_parts,
    funnel_expectation,
    lagged_sum,
    pool_lateness,
    ratio_or_nan,
    relative_to_rest,
    type_parts,
)
from features.kpi_segments import Segments, build_segments
from features.kpi_windows import SeriesWindows
from features.kpis import customer_teams, value_within_days

if TYPE_CHECKING:
    from features.contract import Dataset

KPI_SERIES = ("churn_rate", "conversion_cycle_days", "mql_to_sql_cycle_days",
              "lead_conversion_rate", "leads", "new_customers", "cac", "new_customer_value")
CUSTOMER_KPIS = frozenset({"churn_rate", "new_customers", "cac", "new_customer_value"})
SERIES_COLUMNS = ("week", "kpi", "segment_type", "segment", "value", "n", "events",
                  "expected_events")


def as_of_view(data: Dataset, as_of: pd.Timestamp) -> Dataset:
    """Return the tables as they were known at ``as_of``: later rows and stamps removed."""
    cut = pd.Timestamp(as_of).as_unit("ns")
    leads = data.leads
    if leads is not None:
        leads = leads.loc[leads["created_at"] < cut].copy()
        for column in ("mql_at", "sql_at", "converted_at"):
            if column in leads.columns:
                leads[column] = leads[column].where(leads[column] < cut)
        if "customer_id" in leads.columns and "converted_at" in leads.columns:
            leads["customer_id"] = leads["customer_id"].where(leads["converted_at"].notna())
    return dataclasses.replace(
        data, leads=leads,
        customers=data.customers.loc[data.customers["acquired_at"] < cut],
        orders=data.orders.loc[data.orders["ordered_at"] < cut],
        spend=data.spend.loc[data.spend["week"] + pd.Timedelta(days=7) <= cut])


def monitor_weeks(data: Dataset, as_of: pd.Timestamp) -> pd.DatetimeIndex:
    """Mondays from the first lead or customer to the last week that ends by ``as_of``."""
    stamps = [data.customers["acquired_at"].min()]
    if data.leads is not None and len(data.leads):
        stamps.append(data.leads["created_at"].min())
    first = int(monday_ns(np.array([pd.Timestamp(min(stamps)).as_unit("ns").value]))[0])
    last = int(monday_ns(np.array([pd.Timestamp(as_of).as_unit("ns").value]))[0])
    if last + WEEK_NS > pd.Timestamp(as_of).as_unit("ns").value:
        last -= WEEK_NS
    return pd.DatetimeIndex(np.arange(first, last + 1, WEEK_NS).astype("datetime64[ns]"))


def weekly_counts(stamp_ns: np.ndarray, segments: Segments, weeks: pd.DatetimeIndex,
                  weights: np.ndarray | None = None) -> np.ndarray:
    """Sum ``weights`` (or count rows) per (segment code, week of ``stamp_ns``).

    Each row's week is found once; the rows are then summed one segment type at a time.
    """
    start = weeks.as_unit("ns").asi8[0] if len(weeks) else 0
    week = (stamp_ns - start) // WEEK_NS
    inside = (stamp_ns != NAT) & (week >= 0) & (week < len(weeks))
    n_codes, n_weeks = len(segments.labels), len(weeks)
    flat = np.zeros(n_codes * n_weeks)
    for first, end, codes in segments.types():
        keep = inside & (codes >= 0)
        values = None if weights is None else weights[keep]
        flat[first * n_weeks:end * n_weeks] = np.bincount(
            (codes[keep] - first) * n_weeks + week[keep], weights=values,
            minlength=(end - first) * n_weeks)
    return flat.reshape(n_codes, n_weeks)


def lead_series(leads: pd.DataFrame, segments: Segments, weeks: pd.DatetimeIndex,
                windows: SeriesWindows, kpis: frozenset[str] = frozenset(KPI_SERIES),
                ) -> dict[str, KpiMatrix]:
    """Lead KPIs: volume, conversion rate and cycle, MQL-to-SQL cycle (when columns exist).

    Only the families holding a KPI of ``kpis`` are computed. With ``mql_at`` and ``sql_at``,
    the conversion cycle's tested lateness adds the passages to MQL and to SQL
    (:func:`features.kpi_reference.pool_lateness`) unless ``windows.pool_stages`` is off.
    The cycle is returned only when ``kpis`` asks for it, so that it always carries that test.
    """
    created = datetime_ns(leads["created_at"])
    counts = weekly_counts(created, segments, weeks)
    out = {"leads": KpiMatrix(counts, counts)}
    funnel = {"lead_conversion_rate", "conversion_cycle_days"}
    if "converted_at" in leads.columns and funnel & kpis:
        out |= funnel_kpis(created, datetime_ns(leads["converted_at"]), segments, weeks,
                           windows, windows.horizon_days, ("lead_conversion_rate",
                                                           "conversion_cycle_days"))
    if "conversion_cycle_days" not in kpis:  # computed with the rate, but not pooled
        out.pop("conversion_cycle_days", None)
    if not {"mql_at", "sql_at"} <= set(leads.columns):
        return out
    mql, sql = datetime_ns(leads["mql_at"]), datetime_ns(leads["sql_at"])
    if "mql_to_sql_cycle_days" in kpis:
        out |= funnel_kpis(mql, sql, segments, weeks, windows, windows.stage_horizon_days,
                           (None, "mql_to_sql_cycle_days"))
    cycle, step = out.get("conversion_cycle_days"), out.get("mql_to_sql_cycle_days")
    if windows.pool_stages and cycle is not None and cycle.counts is not None:
        passages = (stage_lateness(created, mql, segments, weeks, windows),
                    step.counts if step is not None
                    else stage_lateness(mql, sql, segments, weeks, windows))
        out["conversion_cycle_days"] = cycle._replace(
            counts=pool_lateness(cycle.counts, passages))
    return out


def stage_lateness(start_ns: np.ndarray, end_ns: np.ndarray, segments: Segments,
                   weeks: pd.DatetimeIndex, windows: SeriesWindows) -> Counts:
    """Observed and expected lateness of one stage's passages: the evidence, not the KPI."""
    at_risk, events = period_counts(start_ns, end_ns, segments, weeks,
                                    windows.stage_horizon_days)
    return funnel_expectation(at_risk, events, windows.reference_weeks, windows.guard_weeks,
                              windows.min_rows, channel_parts(segments))[1]


def funnel_kpis(start_ns: np.ndarray, end_ns: np.ndarray, segments: Segments,
                weeks: pd.DatetimeIndex, windows: SeriesWindows, horizon_days: int,
                names: tuple[str | None, str]) -> dict[str, KpiMatrix]:
    """Rate and cycle of one funnel step from a period life table (:mod:`.kpi_intensity`).

    Rate: the share converting within the horizon under the last ``period_weeks`` weeks'
    hazards; ``n`` the leads open on an average day. Cycle: the median time to convert among
    those conversions (truncated at the horizon); ``n`` the conversions in the period.
    """
    at_risk, events = period_counts(start_ns, end_ns, segments, weeks, horizon_days)
    curves = period_incidence(at_risk, events, windows.period_weeks)
    opened = lagged_sum(at_risk.sum(axis=2), windows.period_weeks) / (7 * windows.period_weeks)
    converted = lagged_sum(events.sum(axis=2), windows.period_weeks)
    rate_name, cycle_name = names
    rate, late = funnel_expectation(at_risk, events, windows.reference_weeks,
                                    windows.guard_weeks, windows.min_rows,
                                    channel_parts(segments))
    out = {cycle_name: KpiMatrix(_medians(curves), converted, late)}
    if rate_name is not None:
        out[rate_name] = KpiMatrix(curves[:, :, -1], opened,
                                   relative_to_rest(rate, type_parts(segments),
                                                    windows.rest_weeks))
    return out


def _medians(curves: np.ndarray) -> np.ndarray:
    flat = curves.reshape(-1, curves.shape[2])
    return truncated_median(np.nan_to_num(flat)).reshape(curves.shape[:2])


def customer_series(data: Dataset, segments: Segments, weeks: pd.DatetimeIndex,
                    windows: SeriesWindows, kpis: frozenset[str] = frozenset(KPI_SERIES),
                    ) -> dict[str, KpiMatrix]:
    """Compute the customer KPIs: new customers, CAC (total and channel), early value, churn.

    Churn, the costliest, is computed only when ``kpis`` holds it.
    """
    customers = data.customers.assign(customer_id=data.customers["customer_id"].astype("str"))
    orders = data.orders.assign(customer_id=data.orders["customer_id"].astype("str"))
    acquired = datetime_ns(customers["acquired_at"])
    new = weekly_counts(acquired, segments, weeks)
    early = value_within_days(customers, orders, float(windows.value_days))
    lag = -(-windows.value_days // 7)
    value_sum = lagged_sum(weekly_counts(acquired, segments, weeks, early),
                             windows.value_weeks, lag)
    value_n = lagged_sum(new, windows.value_weeks, lag)
    new_window = lagged_sum(new, windows.cac_weeks)
    cost = lagged_sum(spend_matrix(data.spend, segments, weeks), windows.cac_weeks)
    out = {"new_customers": KpiMatrix(new, new),
           "cac": KpiMatrix(ratio_or_nan(cost, new_window), new_window),
           "new_customer_value": KpiMatrix(ratio_or_nan(value_sum, value_n), value_n)}
    if "churn_rate" in kpis:
        out["churn_rate"] = churn_series(customers, orders, segments, weeks, windows)
    return out


def spend_matrix(spend: pd.DataFrame, segments: Segments, weeks: pd.DatetimeIndex) -> np.ndarray:
    """Weekly spend per channel segment and in total (NaN for other segment types)."""
    require_columns(spend, ("week", "channel", "spend"), "spend")
    labels = segments.labels
    out = np.full((len(labels), len(weeks)), np.nan)
    if spend.empty:
        return out
    wide = spend.pivot_table(index="week", columns="channel", values="spend", aggfunc="sum")
    wide.index = pd.DatetimeIndex(wide.index).as_unit("ns")
    wide = wide.reindex(weeks).fillna(0.0)
    out[0] = wide.sum(axis=1).to_numpy()
    for code in np.flatnonzero(labels["segment_type"].to_numpy() == "channel"):
        name = labels["segment"].iloc[code]
        out[code] = wide[name].to_numpy() if name in wide.columns else np.nan
    return out


def build_kpi_series(data: Dataset, as_of: pd.Timestamp, windows: SeriesWindows | None = None,
                     kpis: frozenset[str] = frozenset(KPI_SERIES)) -> pd.DataFrame:
    """Build every weekly KPI series for every segment, as of ``as_of``.

    Parameters
    ----------
    data : Dataset
        Validated tables: ``customers`` (customer_id, acquired_at, acquisition_channel),
        ``orders`` (customer_id, ordered_at, revenue), ``spend`` (week, channel, spend);
        ``leads`` (created_at, channel; optional team, mql_at, sql_at, converted_at,
        customer_id, attributes) adds the lead KPIs and segments. Not modified.
    as_of : pd.Timestamp
        Rows at or after it are ignored; only weeks ending by it are built.
    windows : SeriesWindows, optional
        Windows of the KPIs; the defaults when None.
    kpis : frozenset of str
        The KPIs wanted (all by default); others may be left out.

    Returns
    -------
    pd.DataFrame
        :data:`SERIES_COLUMNS`: one row per (week, kpi, segment) with a value, ``n`` the
        rows behind it (leads, customers or active customers) and, for the rate KPIs, the
        week's observed and expected events (:mod:`features.kpi_reference`); sorted.
    """
    return view_series(as_of_view(data, as_of), as_of, windows, kpis)


def view_series(view: Dataset, as_of: pd.Timestamp, windows: SeriesWindows | None = None,
                kpis: frozenset[str] = frozenset(KPI_SERIES),
                teams: pd.Series | None = None) -> pd.DataFrame:
    """:func:`build_kpi_series` of tables already cut at ``as_of`` (:func:`as_of_view`).

    ``teams`` (see :func:`features.kpis.customer_teams`) is computed from the tables when
    None; a drill-down passes the whole business's. Customer KPIs are skipped when ``kpis``
    holds none of them.
    """
    windows = windows or SeriesWindows()
    weeks = monitor_weeks(view, as_of)
    teams = customer_teams(view.customers, view.leads) if teams is None else teams
    lead_segments, customer_segments = build_segments(view.leads, view.customers, teams,
                                                      windows.max_levels)
    series = (customer_series(view, customer_segments, weeks, windows, kpis)
              if kpis & CUSTOMER_KPIS else {})
    if view.leads is not None and lead_segments is not None:
        series |= lead_series(view.leads, lead_segments, weeks, windows, kpis)
    return long_series(series, customer_segments.labels, weeks, windows.min_rows)


def long_series(series: dict[str, KpiMatrix], labels: pd.DataFrame,
                weeks: pd.DatetimeIndex, min_rows: int) -> pd.DataFrame:
    """Stack the KPI matrices into the long :data:`SERIES_COLUMNS` frame.

    Rate KPIs need ``min_rows`` rows behind a value; counts are always kept. ``events`` and
    ``expected_events`` are NaN for KPIs without them.
    """
    parts = []
    for kpi in KPI_SERIES:
        if kpi not in series:
            continue
        value, n, counts = series[kpi]
        events, expected = counts if counts is not None else (np.full(value.shape, np.nan),) * 2
        frame = pd.DataFrame({
            "week": np.tile(weeks.to_numpy(), len(labels)),
            "kpi": kpi,
            "segment_type": np.repeat(labels["segment_type"].to_numpy(), len(weeks)),
            "segment": np.repeat(labels["segment"].to_numpy(), len(weeks)),
            "value": value.ravel(), "n": n.ravel(), "events": events.ravel(),
            "expected_events": expected.ravel()})
        enough = frame["n"] >= (0 if kpi in ("leads", "new_customers") else min_rows)
        parts.append(frame.loc[enough & frame["value"].notna()])
    if not parts:  # e.g. only lead KPIs asked of tables without leads: no rows, same types
        text = pd.Series([], dtype="str")
        nothing = np.array([], dtype=np.float64)
        return pd.DataFrame({"week": weeks[:0].to_numpy(), "kpi": text, "segment_type": text,
                             "segment": text, "value": nothing, "n": nothing,
                             "events": nothing, "expected_events": nothing})
    out = pd.concat(parts, ignore_index=True)
    return out.astype({"kpi": "str", "segment_type": "str", "segment": "str"})
