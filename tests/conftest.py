"""Shared fixtures: one real `dvc repro` of the small simulated world per test session.

The end-to-end test, the notebook tests and the browser test all need pipeline outputs; they
share this run instead of each copying the project and running the pipeline again.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.postgres import postgres_server  # noqa: F401 - the session's PostgreSQL server

ROOT = Path(__file__).resolve().parents[1]
PROJECT_FILES = ("dvc.yaml", "params.yaml", "pyproject.toml")
PROJECT_DIRS = ("features", "models", "pipelines")
Runner = Callable[..., subprocess.CompletedProcess[str]]


def project_env(project: Path) -> dict[str, str]:
    """Environment for commands run inside a project copy: its code, its own MLflow store."""
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
            "DVC_NO_ANALYTICS": "1", "PYTHONPATH": str(project), "MPLBACKEND": "Agg",
            "MLFLOW_TRACKING_URI": f"sqlite:///{project}/mlflow.db"}


def run_in(args: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a command in a project copy; with ``check``, fail the test with its output tail."""
    done = subprocess.run(args, cwd=cwd, env=project_env(cwd), capture_output=True, text=True,
                          timeout=1800)
    if check:
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def copy_small_project(dest: Path) -> Path:
    """Copy the pipeline's code and config into ``dest``, with the small simulated world."""
    for name in PROJECT_FILES:
        shutil.copy2(ROOT / name, dest / name)
    for name in PROJECT_DIRS:
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    params = yaml.safe_load((dest / "params.yaml").read_text())
    params["simulate"]["scale"] = "small"
    (dest / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    return dest


@pytest.fixture(scope="session")
def run_in_project() -> Runner:
    """The command runner, for tests that call the CLI or DVC inside a project copy."""
    return run_in


@pytest.fixture(scope="session")
def small_pipeline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temp project copy on which the real `dvc init` and `dvc repro` have run."""
    project = copy_small_project(tmp_path_factory.mktemp("project"))
    run_in([sys.executable, "-m", "dvc", "init", "--no-scm", "-q"], project)
    run_in([sys.executable, "-m", "dvc", "repro"], project)
    return project


@pytest.fixture(scope="session")
def pipeline_outputs(request: pytest.FixtureRequest) -> Path:
    """A project holding pipeline outputs: CHANNELWISE_ROOT when set, else the small run."""
    existing = os.environ.get("CHANNELWISE_ROOT")
    if existing:
        return Path(existing).resolve()
    return Path(request.getfixturevalue("small_pipeline"))
