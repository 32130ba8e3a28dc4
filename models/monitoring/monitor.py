"""One monitoring run: KPI series, their bands, the recent alerts, their value and drivers."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from features.kpi_segments import TOTAL, restrict
from features.kpi_series import KPI_SERIES, as_of_view, monitor_weeks, view_series
from features.kpi_windows import SeriesWindows
from features.kpis import customer_teams
from models.monitoring.alerts import AlertRule, find_alerts, recent
from models.monitoring.bands import SERIES_KEYS, BandConfig, build_bands
from models.monitoring.drivers import COUNT_KPIS, concentration, describe_drivers, rank_drivers
from models.monitoring.exposure import ExposureConfig, exposure_override, spend_exposure
from models.monitoring.value import ChannelValues, value_at_risk
from models.scale.tasks import InProcess, Tasks

if TYPE_CHECKING:
    from features.contract import Dataset

OUTPUT_COLUMNS = ("kpi", "segment_type", "segment", "first_week", "last_week", "observed",
                  "expected", "lower", "upper", "direction", "severity", "value_at_risk",
                  "drivers")
Progress = Callable[[str], None]
LEAD_KPIS = frozenset({"leads", "lead_conversion_rate", "conversion_cycle_days",
                       "mql_to_sql_cycle_days"})
# The KPI series as independent tasks: the costly families apart, the cheap ones together.
# The funnel KPIs share a task: the conversion cycle's test uses the MQL-to-SQL stage too.
SERIES_TASKS = (frozenset({"churn_rate"}),
                frozenset({"lead_conversion_rate", "conversion_cycle_days",
                           "mql_to_sql_cycle_days"}),
                frozenset({"leads", "new_customers", "cac", "new_customer_value"}))
NOT_ANALYSED = "not analysed (drill_limit)"


@dataclass(frozen=True)
class MonitorConfig:
    """Everything a monitoring run needs besides the data; see ``docs/monitoring.md``."""

    windows: SeriesWindows = field(default_factory=SeriesWindows)
    bands: BandConfig = field(default_factory=BandConfig)
    exposure: ExposureConfig = field(default_factory=ExposureConfig)
    rule: AlertRule = field(default_factory=AlertRule)
    report_weeks: int = 13
    reference_weeks: int = 13
    top_drivers: int = 3
    drill_limit: int = 10


@dataclass(frozen=True)
class MonitorResult:
    """The series with their bands, the alerts (all columns) and the last monitored week."""

    bands: pd.DataFrame
    alerts: pd.DataFrame
    last_week: pd.Timestamp | None

    def summary(self) -> dict[str, Any]:
        """Return the counts written to ``monitor.json``."""
        alerts = self.alerts
        return {"last_week": None if self.last_week is None else self.last_week.date().isoformat(),
                "series": int(self.bands.groupby(list(SERIES_KEYS)).ngroups),
                "alerts": len(alerts),
                "alerts_by_kpi": {str(k): int(v) for k, v in alerts["kpi"].value_counts().items()},
                "value_at_risk": float(alerts["value_at_risk"].clip(lower=0).sum())}


def _segment_data(view: Dataset, teams: pd.Series, segment_type: str, segment: str,
                  kpi: str) -> Dataset:
    """Return one segment's tables; a lead KPI's drill-down reads no orders (costly)."""
    leads, customers = restrict(view.leads, view.customers, teams, segment_type, segment)
    orders = view.orders.iloc[0:0] if kpi in LEAD_KPIS else view.orders.loc[
        view.orders["customer_id"].astype("str").isin(customers["customer_id"].astype("str"))]
    spend = view.spend.loc[view.spend["channel"].astype("str") == segment] \
        if segment_type == "channel" else view.spend.iloc[0:0]
    return dataclasses.replace(view, leads=leads, customers=customers, orders=orders,
                               spend=spend)


def series_part(kpis: frozenset[str], view: Dataset, teams: pd.Series, as_of: pd.Timestamp,
                windows: SeriesWindows) -> pd.DataFrame:
    """Return the rows of ``kpis`` of :func:`build_kpi_series`: one task of the series."""
    series = view_series(view, as_of, windows, kpis, teams)
    return series.loc[series["kpi"].isin(kpis)]


def joined_series(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Put series parts back in the order of one :func:`build_kpi_series` call (by KPI)."""
    out = pd.concat(parts, ignore_index=True)
    rank = out["kpi"].map({kpi: position for position, kpi in enumerate(KPI_SERIES)})
    return out.iloc[rank.to_numpy().argsort(kind="stable")].reset_index(drop=True)


def explain_alert(alert: pd.Series, bands: pd.DataFrame, view: Dataset, teams: pd.Series,
                  as_of: pd.Timestamp, config: MonitorConfig) -> str:
    """Name the segments behind one alert; inside a segment, say if it is broad or not."""
    first, last = pd.Timestamp(alert["first_week"]), pd.Timestamp(alert["last_week"])
    if alert["segment_type"] == TOTAL:
        types = [t for t in bands["segment_type"].unique() if t != TOTAL]
        ranked = rank_drivers(bands, alert["kpi"], types, first, last, config.reference_weeks)
        return describe_drivers(ranked, config.top_drivers) or "no segment stands out"
    inside = _segment_data(view, teams, str(alert["segment_type"]), str(alert["segment"]),
                           str(alert["kpi"]))
    sub = build_bands(view_series(inside, as_of, config.windows, frozenset({str(alert["kpi"])}),
                                  teams), config.bands)
    types = [t for t in sub["segment_type"].unique() if t not in (TOTAL, alert["segment_type"])]
    ranked = rank_drivers(sub, alert["kpi"], types, first, last, config.reference_weeks)
    named = describe_drivers(ranked, config.top_drivers)
    return f"{concentration(ranked)}: {named}" if named else concentration(ranked)


def price_alerts(alerts: pd.DataFrame, bands: pd.DataFrame, values: ChannelValues) -> list[float]:
    """Value at risk of each alert, from its rows over its weeks (see :mod:`.value`)."""
    out = []
    for _, alert in alerts.iterrows():
        rows = bands.loc[(bands["kpi"] == alert["kpi"])
                         & (bands["segment_type"] == alert["segment_type"])
                         & (bands["segment"] == alert["segment"])
                         & (bands["week"] >= alert["first_week"])
                         & (bands["week"] <= alert["last_week"])]
        volume = float(len(rows)) if alert["kpi"] in COUNT_KPIS else float(rows["n"].sum())
        cltv, p_convert = values.of(str(alert["segment_type"]), str(alert["segment"]))
        out.append(value_at_risk(str(alert["kpi"]), float(alert["observed"]),
                                 float(alert["expected"]), volume, cltv, p_convert))
    return out


def run_monitor(data: Dataset, as_of: pd.Timestamp, config: MonitorConfig,
                values: ChannelValues, progress: Progress | None = None,
                tasks: Tasks | None = None) -> MonitorResult:
    """Compute the KPI series, bands and recent alerts as of ``as_of``.

    Parameters
    ----------
    data : Dataset
        Validated tables (see :func:`features.kpi_series.build_kpi_series`); not modified.
    as_of : pd.Timestamp
        Nothing at or after it is read.
    config : MonitorConfig
        Windows, bands, persistence rule and how many weeks of alerts to report.
    values : ChannelValues
        CLTV and P(convert) that price the alerts.
    progress : callable, optional
        Called with a short message before each step.
    tasks : Tasks, optional
        Where the KPI series (by :data:`SERIES_TASKS` when ``tasks.split``) and the alerts'
        drill-downs run; this process when None. The result is the same.

    Returns
    -------
    MonitorResult
        Alerts active in the last ``report_weeks`` weeks, sorted by severity, with
        ``raised_week`` beside :data:`OUTPUT_COLUMNS`.
    """
    say = progress or (lambda message: None)
    tasks = tasks or InProcess()
    say("Computing the weekly KPI series")
    view = as_of_view(data, as_of)
    # sent once, read by all tasks; the teams too (one per customer, from the whole view)
    held_view, held_as_of = tasks.share(view), tasks.share(as_of)
    held_teams = tasks.share(customer_teams(view.customers, view.leads))
    parts = SERIES_TASKS if tasks.split else (frozenset(KPI_SERIES),)
    series = joined_series(tasks.map(series_part, parts, held_view, held_teams, held_as_of,
                                     tasks.share(config.windows)))
    say("Fitting the spend-aware expectations of channel volumes")
    exposure = spend_exposure(view, monitor_weeks(view, as_of), config.exposure)
    say(f"Forecasting bands for {series.groupby(list(SERIES_KEYS)).ngroups} series")
    bands = build_bands(series, config.bands,
                        exposure_override(exposure, config.bands, config.windows.cac_weeks))
    last_week = pd.Timestamp(bands["week"].max()) if len(bands) else None
    alerts = find_alerts(bands, config.rule)
    if last_week is not None:
        alerts = recent(alerts, last_week, config.report_weeks)
    alerts = alerts.assign(value_at_risk=price_alerts(alerts, bands, values), drivers="")
    drilled = [alert for _, alert in alerts.head(max(config.drill_limit, 0)).iterrows()]
    say(f"Analysing {len(drilled)} of {len(alerts)} alert(s): their drivers")
    drivers = tasks.map(explain_alert, drilled, tasks.share(bands), held_view, held_teams,
                        held_as_of, tasks.share(config))
    alerts = alerts.assign(drivers=drivers + [NOT_ANALYSED] * (len(alerts) - len(drilled)))
    return MonitorResult(bands=bands, alerts=alerts, last_week=last_week)


def alert_table(alerts: pd.DataFrame) -> pd.DataFrame:
    """Return the ``alerts.csv`` columns (:data:`OUTPUT_COLUMNS`), weeks as dates, rounded."""
    out = alerts[list(OUTPUT_COLUMNS)].copy()
    for column in ("first_week", "last_week"):
        out[column] = pd.to_datetime(out[column]).dt.strftime("%Y-%m-%d")
    return out.round({"observed": 4, "expected": 4, "lower": 4, "upper": 4, "severity": 3,
                      "value_at_risk": 2})


def series_table(bands: pd.DataFrame) -> pd.DataFrame:
    """Return the ``kpi_series.csv`` rows: every series and week with its band, rounded."""
    out = bands.assign(week=pd.to_datetime(bands["week"]).dt.strftime("%Y-%m-%d"))
    return out.round({"value": 4, "expected": 4, "lower": 4, "upper": 4, "scale": 4,
                      "inflation": 4})
