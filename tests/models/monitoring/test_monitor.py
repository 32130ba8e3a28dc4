"""A monitoring run cut into independent parts gives the run in one piece."""

from __future__ import annotations

import pandas as pd

from features.contract import Dataset
from features.kpi_series import as_of_view, build_kpi_series
from features.kpis import customer_teams
from models.monitoring.monitor import (
    SERIES_TASKS,
    MonitorConfig,
    joined_series,
    run_monitor,
    series_part,
)
from models.monitoring.value import observed_values
from models.scale.tasks import InProcess
from models.simulation.generator import simulate_world
from models.simulation.tables import end_of_data


def small_data() -> Dataset:
    world = simulate_world(42, "small")
    return Dataset(customers=world.customers, orders=world.orders, spend=world.spend,
                   leads=world.leads)


def test_the_series_by_kpi_family_join_into_the_whole_series() -> None:
    data, as_of = small_data(), end_of_data()
    whole = build_kpi_series(data, as_of)
    view = as_of_view(data, as_of)
    teams = customer_teams(view.customers, view.leads)
    parts = [series_part(kpis, view, teams, as_of, MonitorConfig().windows)
             for kpis in SERIES_TASKS]
    assert sorted(kpi for part in parts for kpi in part["kpi"].unique()) == sorted(
        whole["kpi"].unique())  # every KPI in exactly one part
    pd.testing.assert_frame_equal(joined_series(parts[::-1]), whole)


def test_a_split_run_equals_the_run_in_one_piece() -> None:
    data, as_of, config = small_data(), end_of_data(), MonitorConfig(report_weeks=52)
    values = observed_values(data, as_of, config.windows.horizon_days)
    whole = run_monitor(data, as_of, config, values)
    split = run_monitor(data, as_of, config, values, tasks=InProcess(split=True))
    assert len(whole.alerts)  # the drill-downs are compared too
    pd.testing.assert_frame_equal(split.bands, whole.bands)
    pd.testing.assert_frame_equal(split.alerts, whole.alerts)


def test_a_split_run_without_leads_equals_the_run_in_one_piece() -> None:
    # The lead KPI families have nothing to compute: their parts are empty, with the types.
    data, as_of, config = small_data(), end_of_data(), MonitorConfig(report_weeks=52)
    data = Dataset(customers=data.customers, orders=data.orders, spend=data.spend, leads=None)
    values = observed_values(data, as_of, config.windows.horizon_days)
    whole = run_monitor(data, as_of, config, values)
    split = run_monitor(data, as_of, config, values, tasks=InProcess(split=True))
    pd.testing.assert_frame_equal(split.bands, whole.bands)
    pd.testing.assert_frame_equal(split.alerts, whole.alerts)
