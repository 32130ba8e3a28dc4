from __future__ import annotations

import pandas as pd

from models.report.alerts import alert_words, alerts_section
from models.report.inputs import ReportInputs
from models.report.page import render_report


def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    weeks = pd.date_range("2025-01-06", periods=10, freq="7D").strftime("%Y-%m-%d")
    series = pd.DataFrame({"week": weeks, "kpi": "churn_rate", "segment_type": "channel",
                           "segment": "display", "value": [0.02] * 7 + [0.05] * 3, "n": 500.0,
                           "expected": 0.02, "lower": 0.01, "upper": 0.03, "scale": 0.004,
                           "inflation": 1.5})
    alerts = pd.DataFrame([{"kpi": "churn_rate", "segment_type": "channel",
                            "segment": "display", "first_week": weeks[7], "last_week": weeks[9],
                            "observed": 0.05, "expected": 0.02, "lower": 0.01, "upper": 0.03,
                            "direction": "up", "severity": 2.5, "value_at_risk": 120000.0,
                            "drivers": "broad: team=team_01 40% (rate)"}])
    return alerts, series


def test_section_comes_first_with_chart_and_words() -> None:
    alerts, series = frames()
    html = render_report(ReportInputs(alerts=alerts, kpi_series=series))
    assert html.index('id="alerts"') < html.index('id="plan"')
    section = alerts_section(ReportInputs(alerts=alerts, kpi_series=series))
    assert section.count("<img") == 1
    assert "churn rate of channel display rose to 0.05" in section
    assert "120.0k" in section


def test_words_say_a_gain_when_value_at_risk_is_negative() -> None:
    alerts, _ = frames()
    row = alerts.iloc[0].copy()
    row["value_at_risk"] = -5000.0
    assert "a gain of about" in alert_words(row)


def test_missing_or_empty_alerts_are_notes() -> None:
    assert "not produced by this run" in alerts_section(ReportInputs())
    alerts, series = frames()
    assert "No alert" in alerts_section(ReportInputs(alerts=alerts.iloc[0:0], kpi_series=series))
