"""``score-leads`` and ``monitor`` with ``--scheduler``: the files of the local run, or exit 1."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner, Result

from features.leads import build_lead_features
from models.conversion.store import save_conversion_model
from models.conversion.training import ConversionSettings, train_conversion
from models.io import write_table
from models.scale.cluster import dask_client
from models.simulation.generator import simulate_world
from pipelines.cli import app
from tests.models.scale.conftest import TWO_WORKERS

pytestmark = pytest.mark.dask
UNREACHABLE = "tcp://127.0.0.1:9"


@pytest.fixture(scope="module")
def address() -> Iterator[str]:
    """The scheduler of a LocalCluster of 2 worker processes x 1 thread."""
    with dask_client(TWO_WORKERS) as client:
        yield str(client.scheduler.address)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small world's tables, a conversion model trained on its leads, a channel CLTV."""
    root = tmp_path_factory.mktemp("world")
    world = simulate_world(42, "small")
    for name in ("customers", "orders", "spend", "leads"):
        write_table(root, name, getattr(world, name), "parquet")
    cutoff = world.leads["created_at"].max().normalize() + pd.Timedelta(days=1)
    result = train_conversion(world.leads, build_lead_features(world.leads, cutoff), cutoff,
                              ConversionSettings(model_params={"cv": 3}), seed=0)
    save_conversion_model(root / "model", result.model)
    pd.DataFrame({"channel": ["events", "organic"], "cltv_mean": [2000.0, 900.0]}).to_csv(
        root / "cltv.csv", index=False)
    return root


def invoke(*args: str) -> Result:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


def score(world: Path, out: Path, *extra: str) -> Result:
    return invoke("score-leads", "--leads", str(world / "leads.parquet"), "--out", str(out),
                  "--model-dir", str(world / "model"), "--cltv", str(world / "cltv.csv"),
                  *extra)


def monitor(world: Path, out: Path, *extra: str) -> Result:
    return invoke("monitor", "--data", str(world), "--out", str(out), "--weeks", "52",
                  "--predictions", str(world), *extra)


def test_score_leads_on_a_cluster_writes_the_local_file(
        world: Path, address: str, tmp_path: Path) -> None:
    here = score(world, tmp_path / "local.csv")
    assert here.exit_code == 0, here.output
    there = score(world, tmp_path / "dask.csv", "--scheduler", address)
    assert there.exit_code == 0, there.output
    assert "Scored 4,774 leads" in there.output
    assert (tmp_path / "dask.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()


def test_monitor_on_a_cluster_writes_the_local_files(
        world: Path, address: str, tmp_path: Path) -> None:
    here = monitor(world, tmp_path / "local")
    assert here.exit_code == 0, here.output
    there = monitor(world, tmp_path / "dask", "--scheduler", address)
    assert there.exit_code == 0, there.output
    for name in ("alerts.csv", "kpi_series.csv"):
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()
    assert len(pd.read_csv(tmp_path / "dask" / "alerts.csv")) >= 1


@pytest.mark.parametrize("command", [score, monitor], ids=["score-leads", "monitor"])
def test_an_unreachable_scheduler_is_one_clear_error_and_writes_nothing(
        command: Callable[..., Result], world: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = command(world, out, "--scheduler", UNREACHABLE)
    assert done.exit_code == 1
    assert f"--scheduler {UNREACHABLE}: cannot reach the Dask scheduler" in done.output
    assert "Traceback" not in done.output
    assert not out.exists() and list(tmp_path.iterdir()) == []
