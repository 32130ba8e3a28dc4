"""The report's Alerts section: each alerting KPI series in its band, and its analysis in words."""

from __future__ import annotations

import pandas as pd
from matplotlib.dates import date2num
from matplotlib.figure import Figure

from models.figures import BLUE, GREY, RED, new_figure, png_bytes
from models.report.html import (
    compact,
    image_html,
    kpis_html,
    missing_html,
    note_html,
    section_html,
    table_html,
)
from models.report.inputs import ReportInputs

SHOWN_ALERTS = 6
CHART_WEEKS = 52
KPI_WORDS = {"churn_rate": "churn rate", "conversion_cycle_days": "conversion cycle (days)",
             "mql_to_sql_cycle_days": "MQL-to-SQL cycle (days)",
             "lead_conversion_rate": "lead conversion rate", "leads": "leads per week",
             "new_customers": "new customers per week", "cac": "CAC",
             "new_customer_value": "early value of new customers"}


def alert_figure(series: pd.DataFrame, alert: pd.Series) -> Figure:
    """Plot one series over its last weeks inside its band, the alert's weeks shaded."""
    rows = series.assign(week=pd.to_datetime(series["week"])).sort_values("week")
    rows = rows.tail(CHART_WEEKS)
    figure = new_figure(6.0, 2.2)
    axes = figure.add_subplot()
    axes.fill_between(rows["week"], rows["lower"], rows["upper"], color=GREY, alpha=0.25,
                      linewidth=0, label="expected band")
    axes.plot(rows["week"], rows["expected"], color=GREY, linewidth=1, label="expected")
    axes.plot(rows["week"], rows["value"], color=BLUE, linewidth=1.6, label="observed")
    span = date2num([pd.Timestamp(alert["first_week"]), pd.Timestamp(alert["last_week"])])
    axes.axvspan(float(span[0]), float(span[1]), color=RED, alpha=0.12, label="alert")
    axes.set_title(f"{KPI_WORDS.get(str(alert['kpi']), alert['kpi'])}, "
                   f"{alert['segment_type']} = {alert['segment']}", fontsize=10)
    axes.tick_params(labelsize=8)
    axes.legend(fontsize=7, loc="upper left", frameon=False, ncols=4)
    return figure


def alert_words(alert: pd.Series) -> str:
    """One paragraph: what moved, since when, by how much, what it costs, what drives it."""
    kpi = KPI_WORDS.get(str(alert["kpi"]), str(alert["kpi"]))
    moved = "rose" if alert["direction"] == "up" else "fell"
    value = float(alert["value_at_risk"])
    cost = (f"about {compact(value)} of lifetime value at risk" if value > 0 else
            f"a gain of about {compact(-value)} in lifetime value")
    drivers = str(alert["drivers"]) if pd.notna(alert["drivers"]) and alert["drivers"] else \
        "no segment stands out"
    return (f"The {kpi} of {alert['segment_type']} {alert['segment']} {moved} to "
            f"{float(alert['observed']):.4g} against an expected {float(alert['expected']):.4g} "
            f"(band {float(alert['lower']):.4g} to {float(alert['upper']):.4g}) from the week of "
            f"{alert['first_week']} to {alert['last_week']}: {cost}. Drivers: {drivers}.")


def alerts_section(inputs: ReportInputs) -> str:
    """Render the Alerts section (first on the page), or a note when monitor did not run."""
    intro = ("KPIs that left their expected band between plans, most severe first, with the "
             "segments that drive each change and the value at stake (docs/monitoring.md).")
    alerts, series = inputs.alerts, inputs.kpi_series
    if alerts is None or series is None:
        return section_html("alerts", "Alerts", intro, missing_html(
            "Alerts", ["reports/alerts.csv", "reports/kpi_series.csv"]))
    if alerts.empty:
        return section_html("alerts", "Alerts", intro,
                            note_html("No alert in the monitored weeks."))
    tiles = kpis_html([("alerts", str(len(alerts)), "active in the monitored weeks"),
                       ("value at risk", compact(alerts["value_at_risk"].clip(lower=0).sum()),
                        "lifetime value, summed over the alerts")])
    parts = [tiles]
    for _, alert in alerts.head(SHOWN_ALERTS).iterrows():
        mine = series.loc[(series["kpi"] == alert["kpi"])
                          & (series["segment_type"] == alert["segment_type"])
                          & (series["segment"].astype("str") == str(alert["segment"]))]
        parts.append(image_html(png_bytes(alert_figure(mine, alert)),
                                f"{alert['kpi']} {alert['segment']}", alert_words(alert)))
    shown = alerts[["kpi", "segment_type", "segment", "first_week", "last_week", "direction",
                    "severity", "value_at_risk", "drivers"]]
    parts.append(table_html(shown, numeric=["severity", "value_at_risk"],
                            formats={"severity": lambda v: f"{float(v):.2f}",
                                     "value_at_risk": lambda v: f"{float(v):,.0f}"},
                            caption="Every alert (reports/alerts.csv)"))
    return section_html("alerts", "Alerts", intro, "".join(parts))
