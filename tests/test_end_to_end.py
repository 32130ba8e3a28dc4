"""End to end: the real `dvc repro` on a small simulated world, in a temp copy of the project."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml


@pytest.fixture(scope="module")
def pipeline_run(small_pipeline: Path) -> Path:
    return small_pipeline


def test_repro_writes_every_stage_output(pipeline_run: Path) -> None:
    stages = yaml.safe_load((pipeline_run / "dvc.yaml").read_text())["stages"]
    lock = yaml.safe_load((pipeline_run / "dvc.lock").read_text())["stages"]
    assert set(stages) == set(lock), "every stage ran and is locked"
    for stage in lock.values():
        for out in stage.get("outs", []):
            assert (pipeline_run / out["path"]).exists(), out["path"]


def test_repro_is_a_no_op_the_second_time(pipeline_run: Path, run_in_project) -> None:
    done = run_in_project([sys.executable, "-m", "dvc", "status", "--json"], pipeline_run)
    status = json.loads(done.stdout)
    # snapshot reads the warehouse on every repro (always_changed); its outputs decide
    assert status.pop("snapshot", ["always changed"]) == ["always changed"], done.stdout
    assert status == {}, done.stdout


def test_prepare_metrics_describe_the_small_world(pipeline_run: Path) -> None:
    summary = json.loads((pipeline_run / "metrics" / "prepare.json").read_text())
    assert summary["unpaid_channels"] == ["organic"]
    assert len(summary["paid_channels"]) == 6
    assert 3_500 <= summary["tables"]["leads"]["rows"] <= 7_000
