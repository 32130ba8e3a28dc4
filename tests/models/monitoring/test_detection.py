"""Ground truth: the monitor finds a change injected into a simulated world, on time.

The worlds are tuning seeds of ``benchmarks/bench_monitor.py`` (never reported there); the
benchmark measures the same on held-out seeds. Each world is monitored to the end of its data.
"""

from __future__ import annotations

import pandas as pd
import pytest

from features.contract import Dataset
from models.monitoring.monitor import MonitorConfig, run_monitor
from models.monitoring.value import observed_values
from models.simulation.drift import Drift, DriftKind, start_time
from models.simulation.generator import simulate_world
from models.simulation.tables import end_of_data


def alerts_of(seed: int, drift: Drift) -> pd.DataFrame:
    world = simulate_world(seed, "default", drifts=(drift,))
    data = Dataset(customers=world.customers, orders=world.orders, spend=world.spend,
                   leads=world.leads)
    config = MonitorConfig(report_weeks=60, drill_limit=0)
    values = observed_values(data, end_of_data(), config.windows.horizon_days)
    return run_monitor(data, end_of_data(), config, values).alerts


def weeks_to_alert(alerts: pd.DataFrame, drift: Drift, kpi: str, segment_type: str) -> float:
    start = start_time(drift)
    mine = alerts.loc[(alerts["kpi"] == kpi) & (alerts["segment_type"] == segment_type)
                      & (alerts["segment"] == drift.segment) & (alerts["raised_week"] >= start)]
    assert len(mine), f"no {kpi} alert on {drift.segment}:\n{alerts[['kpi', 'segment']]}"
    return float((mine["raised_week"].min() + pd.Timedelta(days=7) - start).days / 7)


@pytest.mark.parametrize(("seed", "drift"), [
    (1201, Drift(DriftKind.CYCLE, "team_01", 123, 1.5)),  # as bench_monitor.draw_drift
])
def test_a_team_cycle_slowdown_alerts_on_the_conversion_cycle_within_8_weeks(
        seed: int, drift: Drift) -> None:
    alerts = alerts_of(seed, drift)
    assert weeks_to_alert(alerts, drift, "conversion_cycle_days", "team") <= 8


@pytest.mark.parametrize(("seed", "drift"), [
    (1302, Drift(DriftKind.CONVERSION, "paid_search", 118, 0.5)),
])
def test_a_channel_conversion_drop_alerts_within_8_weeks(seed: int, drift: Drift) -> None:
    alerts = alerts_of(seed, drift)
    assert weeks_to_alert(alerts, drift, "lead_conversion_rate", "channel") <= 8
