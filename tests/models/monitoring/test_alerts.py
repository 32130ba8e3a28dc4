from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.monitoring.alerts import (
    AlertRule,
    cusum,
    cusum_threshold,
    episodes,
    find_alerts,
    recent,
    run_length,
)


def test_cusum_by_hand() -> None:
    upper, lower = cusum(np.array([1.0, 2.0, -3.0, np.nan, 1.0]), allowance=0.5)
    assert upper.tolist() == [0.5, 2.0, 0.0, 0.0, 0.5]
    assert lower.tolist() == [0.0, 0.0, 2.5, 2.5, 1.0]  # a week without error carries over


def test_the_error_column_drives_the_cusum() -> None:
    rows = band_rows([0.0] * 20).assign(error=[0.0] * 10 + [3.0] * 10)
    rule = AlertRule(allowance=0.5, false_alarm_weeks=50.0, merge_weeks=4)
    alerts = find_alerts(rows, rule)
    assert len(alerts) == 1 and alerts.iloc[0]["direction"] == "up"


def test_threshold_meets_the_run_length() -> None:
    h = cusum_threshold(0.5, 500.0)
    assert run_length(h, 0.5) == pytest.approx(500.0, rel=1e-6)
    assert cusum_threshold(0.5, 5000.0) > h


def test_one_alert_per_change_and_merging() -> None:
    path = np.array([0, 1, 3, 6, 5, 2, 0, 5, 6, 0, 0, 0, 0, 0, 0, 7, 0], dtype=float)
    found = episodes(path, threshold=4.5, merge_weeks=4)
    # the alarm at 3 lasts to 4; the one at 7 starts within 4 weeks and extends it to 8
    assert found[0] == (1, 3, 8, 6.0)
    assert found[1] == (15, 15, 15, 7.0)


def band_rows(values: list[float]) -> pd.DataFrame:
    n = len(values)
    return pd.DataFrame({"week": pd.date_range("2024-01-01", periods=n, freq="7D"),
                         "kpi": "churn_rate", "segment_type": "total", "segment": "total",
                         "value": values, "n": 50.0, "expected": 0.0, "lower": -2.0,
                         "upper": 2.0, "scale": 1.0, "inflation": 1.0})


def test_find_alerts_raises_once_on_a_step() -> None:
    rule = AlertRule(allowance=0.5, false_alarm_weeks=50.0, merge_weeks=4)
    alerts = find_alerts(band_rows([0.0] * 10 + [3.0] * 6 + [0.0] * 30), rule)
    assert len(alerts) == 1
    alert = alerts.iloc[0]
    assert alert["direction"] == "up"
    assert alert["first_week"] == pd.Timestamp("2024-01-01") + pd.Timedelta(weeks=10)
    assert alert["raised_week"] > alert["first_week"]
    assert alert["observed"] > alert["expected"]
    assert alert["severity"] >= 1.0
    end = pd.Timestamp("2024-01-01") + pd.Timedelta(weeks=45)
    assert alert["last_week"] < end  # the CUSUM decays below its threshold after the step
    assert len(recent(alerts, end, 2)) == 0
    assert len(recent(alerts, end, 30)) == 1


def test_no_alert_without_change() -> None:
    rule = AlertRule()
    assert find_alerts(band_rows([0.1, -0.2, 0.3, -0.1] * 10), rule).empty


def test_min_change_ignores_small_certain_changes() -> None:
    # a 5% rise, 3 standardised units a week (a large segment), against a 10% zone
    rows = band_rows([0.0] * 30).assign(error=[0.0] * 10 + [3.0] * 20, unit=60.0)
    small = find_alerts(rows, AlertRule(allowance=0.5, min_change=0.1, false_alarm_weeks=50.0))
    assert small.empty
    assert len(find_alerts(rows, AlertRule(allowance=0.5, false_alarm_weeks=50.0))) == 1


def test_the_cycles_have_their_own_zone() -> None:
    # a 3% later mean lateness, 1.5 standardised units a week (a total's many conversions)
    rows = band_rows([0.0] * 30).assign(kpi="mql_to_sql_cycle_days",
                                        error=[0.0] * 10 + [1.5] * 20, unit=50.0)
    plain = AlertRule(allowance=0.5, min_change=0.0, min_cycle_change=0.0,
                      false_alarm_weeks=50.0)
    assert len(find_alerts(rows, plain)) == 1
    zoned = AlertRule(allowance=0.5, min_change=0.0, min_cycle_change=0.03,
                      false_alarm_weeks=50.0)
    assert find_alerts(rows, zoned).empty  # allowance 0.5 + 0.03 x 50 = 2.0 > 1.5
    other = AlertRule(allowance=0.5, min_change=0.1, min_cycle_change=0.0,
                      false_alarm_weeks=50.0)
    assert len(find_alerts(rows, other)) == 1  # min_change leaves the cycles alone


def test_the_conversion_rate_has_its_own_zone() -> None:
    # a 4% drop of a total's many conversions: 2 standardised units a week, unit 50
    rows = band_rows([0.0] * 30).assign(kpi="lead_conversion_rate",
                                        error=[0.0] * 10 + [-2.0] * 20, unit=50.0)
    plain = AlertRule(allowance=0.5, min_conversion_change=0.0,
                      min_segment_conversion_change=0.0, false_alarm_weeks=50.0)
    assert len(find_alerts(rows, plain)) == 1
    zoned = AlertRule(allowance=0.5, min_conversion_change=0.05,
                      min_segment_conversion_change=0.0, false_alarm_weeks=50.0)
    assert find_alerts(rows, zoned).empty  # allowance 0.5 + 0.05 x 50 = 3.0 > 2
    # a halving of a small channel's conversions (unit 2.5: 1.25 a week) still alerts
    small = band_rows([0.0] * 30).assign(kpi="lead_conversion_rate",
                                         error=[0.0] * 10 + [-1.25] * 20, unit=2.5)
    assert len(find_alerts(small, zoned)) == 1
    churn = rows.assign(kpi="churn_rate")
    assert len(find_alerts(churn, zoned)) == 1  # the zone is the conversion rate's only
    channel = rows.assign(segment_type="channel", segment="display")
    assert len(find_alerts(channel, zoned)) == 1  # ... and the total's: segments have their own


def test_segments_have_a_smaller_conversion_zone() -> None:
    # a 4% wander of a large channel (unit 50: 2 a week) against a small channel's halving
    segment = AlertRule(allowance=0.5, min_conversion_change=0.05,
                        min_segment_conversion_change=0.03, false_alarm_weeks=50.0)
    large = band_rows([0.0] * 30).assign(kpi="lead_conversion_rate", segment_type="channel",
                                         segment="paid_search",
                                         error=[0.0] * 10 + [-1.9] * 20, unit=50.0)
    assert find_alerts(large, segment).empty  # allowance 0.5 + 0.03 x 50 = 2.0 > 1.9
    faster = large.assign(error=[0.0] * 10 + [-2.6] * 20)
    assert len(find_alerts(faster, segment)) == 1  # 2.6 > 2.0 ...
    total = faster.assign(segment_type="total", segment="total")
    assert find_alerts(total, segment).empty  # ... but the total's zone: 0.5 + 0.05 x 50 = 3.0
    small = large.assign(error=[0.0] * 10 + [-1.25] * 20, unit=2.5)
    assert len(find_alerts(small, segment)) == 1  # 0.5 + 0.03 x 2.5 = 0.575 < 1.25
