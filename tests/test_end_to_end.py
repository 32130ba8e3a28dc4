"""End to end: the real `dvc repro` on a small simulated world, in a temp copy of the project."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PROJECT_FILES = ["dvc.yaml", "params.yaml", "pyproject.toml"]
PROJECT_DIRS = ["features", "models", "pipelines"]


def _copy_project(dest: Path) -> None:
    for name in PROJECT_FILES:
        shutil.copy2(ROOT / name, dest / name)
    for name in PROJECT_DIRS:
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    params = yaml.safe_load((dest / "params.yaml").read_text())
    params["simulate"]["scale"] = "small"
    (dest / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def pipeline_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("project")
    _copy_project(project)
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}",
           "DVC_NO_ANALYTICS": "1", "PYTHONPATH": str(project),
           "MLFLOW_TRACKING_URI": f"sqlite:///{project}/mlflow.db", "MPLBACKEND": "Agg"}
    dvc = [sys.executable, "-m", "dvc"]
    assert _run([*dvc, "init", "--no-scm", "-q"], project, env).returncode == 0
    done = _run([*dvc, "repro"], project, env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return project


def test_repro_writes_every_stage_output(pipeline_run: Path) -> None:
    stages = yaml.safe_load((pipeline_run / "dvc.yaml").read_text())["stages"]
    lock = yaml.safe_load((pipeline_run / "dvc.lock").read_text())["stages"]
    assert set(stages) == set(lock), "every stage ran and is locked"
    for stage in lock.values():
        for out in stage.get("outs", []):
            assert (pipeline_run / out["path"]).exists(), out["path"]


def test_repro_is_a_no_op_the_second_time(pipeline_run: Path) -> None:
    env = {**os.environ, "DVC_NO_ANALYTICS": "1", "PYTHONPATH": str(pipeline_run),
           "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
           "MLFLOW_TRACKING_URI": f"sqlite:///{pipeline_run}/mlflow.db"}
    done = _run([sys.executable, "-m", "dvc", "status"], pipeline_run, env)
    assert done.returncode == 0
    assert "changed" not in done.stdout, done.stdout


def test_prepare_metrics_describe_the_small_world(pipeline_run: Path) -> None:
    summary = json.loads((pipeline_run / "metrics" / "prepare.json").read_text())
    assert summary["unpaid_channels"] == ["organic"]
    assert len(summary["paid_channels"]) == 6
    assert 3_500 <= summary["tables"]["leads"]["rows"] <= 7_000
