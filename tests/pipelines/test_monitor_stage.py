"""Stage ``monitor``: ``engine: dask`` writes the files ``engine: local`` writes."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from features.contract import validate_tables
from models.simulation.generator import simulate_world
from pipelines.prepare import write_prepared

REPO_PARAMS = Path(__file__).resolve().parents[2] / "params.yaml"
OUTPUTS = ("alerts.csv", "kpi_series.csv")


def run_monitor_stage(root: Path, prepared: Path, engine: str,
                      monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run the stage on ``prepared`` with ``engine``; return its reports folder."""
    from pipelines import monitor

    params = yaml.safe_load(REPO_PARAMS.read_text())
    params["paths"] = {key: str(root / value) for key, value in params["paths"].items()}
    params["paths"]["prepared"] = str(prepared)
    params["engine"] = engine
    params["dask"] |= {"n_workers": 1, "threads_per_worker": 1, "memory_limit": "2GiB"}
    params["monitor"]["report_weeks"] = 52  # more alerts, so the drill-downs run as tasks
    root.mkdir(parents=True, exist_ok=True)
    (root / "params.yaml").write_text(yaml.safe_dump(params))
    monkeypatch.setattr(sys, "argv", ["monitor", "--params", str(root / "params.yaml")])
    monitor.main()
    return Path(params["paths"]["reports"])


@pytest.mark.dask
def test_under_dask_the_stage_writes_the_local_files_byte_for_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = simulate_world(7, "small")
    prepared = tmp_path / "prepared"
    write_prepared(validate_tables({"customers": world.customers, "orders": world.orders,
                                    "spend": world.spend, "leads": world.leads}), prepared)
    local = run_monitor_stage(tmp_path / "local", prepared, "local", monkeypatch)
    from models.scale.tasks import DaskTasks

    sent: list[str] = []  # the kernels the cluster ran, to prove the dask run used it
    cluster_map = DaskTasks.map

    def recorded(self: DaskTasks, kernel: Callable[..., Any], *rest: Any) -> list[Any]:
        sent.append(kernel.__name__)
        return cluster_map(self, kernel, *rest)

    monkeypatch.setattr(DaskTasks, "map", recorded)
    dask = run_monitor_stage(tmp_path / "dask", prepared, "dask", monkeypatch)
    assert sent == ["series_part", "explain_alert"]
    alerts = (local / "alerts.csv").read_text()
    assert alerts.count("\n") > 1  # at least one alert, so drill-downs ran
    for name in OUTPUTS:
        assert (dask / name).read_bytes() == (local / name).read_bytes(), name
