"""The monitor on Dask: KPI series and drill-downs as tasks, files equal to the local run's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from features.contract import Dataset
from models.io import write_csv
from models.monitoring.monitor import MonitorConfig, alert_table, run_monitor, series_table
from models.monitoring.value import observed_values
from models.scale.tasks import DaskTasks
from models.simulation.generator import simulate_world
from models.simulation.tables import end_of_data

pytestmark = pytest.mark.dask


def test_the_monitor_on_dask_writes_the_local_files_byte_for_byte(
        client: Any, tmp_path: Path) -> None:
    world = simulate_world(42, "default")
    data = Dataset(customers=world.customers, orders=world.orders, spend=world.spend,
                   leads=world.leads)
    config, as_of = MonitorConfig(), end_of_data()
    values = observed_values(data, as_of, config.windows.horizon_days)
    runs = {"local": run_monitor(data, as_of, config, values),
            "dask": run_monitor(data, as_of, config, values, tasks=DaskTasks(client))}
    files = {}
    for name, result in runs.items():
        write_csv(tmp_path / name / "alerts.csv", alert_table(result.alerts))
        write_csv(tmp_path / name / "kpi_series.csv", series_table(result.bands))
        files[name] = [(tmp_path / name / f).read_bytes() for f in ("alerts.csv", "kpi_series.csv")]
    assert len(runs["local"].alerts) >= 2  # drill-downs ran as tasks
    assert not runs["local"].alerts["drivers"].str.startswith("not analysed").any()
    assert files["dask"] == files["local"]
