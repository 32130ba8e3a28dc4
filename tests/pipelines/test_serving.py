"""The lead model served by MLflow gives the p_convert of ``score-leads`` (within 1e-9)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from models.conversion.store import load_conversion_model
from models.io import write_csv, write_table
from models.simulation.generator import simulate_world
from pipelines.commands.score_leads_impl import read_lead_features, score_chunk
from pipelines.inputs import read_channel_cltv
from tests.pipelines.test_train_conversion import prepare_world, run

FIVE = 5
SERVE_TIMEOUT = 240


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small world, its leads as CSV, and train_conversion run once (pyfunc registered)."""
    root = tmp_path_factory.mktemp("serving")
    paths = prepare_world(root)
    write_table(root / "raw", "leads", simulate_world(42, "small").leads, "csv")
    cltv = pd.DataFrame({"channel": ["events", "organic", "paid_search"],
                         "cltv_mean": [3000.0, 2000.0, 1500.0]})
    write_csv(paths["predictions"] / "channel_cltv.csv", cltv)
    with pytest.MonkeyPatch.context() as patch:
        run("train_conversion", root, patch)
    return root


def score_leads_reference(root: Path) -> pd.DataFrame:
    """What ``channelwise score-leads`` computes for the leads file, unrounded."""
    model_dir = next(root.rglob("models/conversion"))
    features = read_lead_features(root / "raw" / "leads.csv")
    cltv = read_channel_cltv(next(root.rglob("predictions/channel_cltv.csv")))
    return score_chunk(load_conversion_model(model_dir), features, cltv).set_index("lead_id")


def five_leads(root: Path) -> pd.DataFrame:
    """Five raw rows of the leads file, new leads as a CRM sends them (no outcomes)."""
    raw = pd.read_csv(root / "raw" / "leads.csv", dtype=str, keep_default_na=False,
                      na_values=[""])
    rows = raw.iloc[[-1, -2, -40, -300, -1000]].drop(columns=["mql_at", "sql_at",
                                                               "converted_at", "customer_id"])
    numbers = {c: pd.to_numeric(rows[c]) for c in ("engagement_score", "touches")}
    return rows.assign(**numbers).reset_index(drop=True)


def check_scores(served: pd.DataFrame, rows: pd.DataFrame, reference: pd.DataFrame) -> None:
    assert list(served["lead_id"]) == list(rows["lead_id"])
    expected = reference.loc[rows["lead_id"]]
    np.testing.assert_allclose(served["p_convert"], expected["p_convert"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(served["expected_value"], expected["expected_value"],
                               rtol=0, atol=1e-6)
    assert list(served["reason_1"]) == list(expected["reason_1"])


def test_the_loaded_pyfunc_scores_like_score_leads(
    trained: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mlflow

    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{trained}/mlflow.db")
    model = mlflow.pyfunc.load_model("models:/lead_conversion@champion")
    rows = five_leads(trained)
    check_scores(pd.DataFrame(model.predict(rows)), rows, score_leads_reference(trained))


def test_a_new_lead_with_only_some_columns_is_scored(
    trained: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mlflow

    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{trained}/mlflow.db")
    model = mlflow.pyfunc.load_model("models:/lead_conversion@champion")
    new = pd.DataFrame({"lead_id": ["NEW1"], "created_at": ["2025-12-29 09:30:00"],
                        "channel": ["events"], "team": ["team_02"], "touches": [4]})
    scored = pd.DataFrame(model.predict(new))
    assert list(scored["lead_id"]) == ["NEW1"] and 0 < scored["p_convert"].iat[0] < 1
    assert scored["expected_value"].iat[0] == pytest.approx(3000.0 * scored["p_convert"].iat[0])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def post(port: int, payload: dict[str, object]) -> pd.DataFrame:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/invocations", data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return pd.DataFrame(json.loads(response.read())["predictions"])


def wait_until_up(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + SERVE_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            error = server.stderr.read().decode()[-2000:] if server.stderr else ""
            raise AssertionError(f"mlflow models serve exited: {error}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"mlflow models serve did not answer within {SERVE_TIMEOUT} s")


def test_mlflow_models_serve_answers_with_the_score_leads_p_convert(trained: Path) -> None:
    port = free_port()
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{trained}/mlflow.db",
           "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}  # uvicorn
    mlflow_cli = Path(sys.executable).with_name("mlflow")
    server = subprocess.Popen(
        [str(mlflow_cli), "models", "serve", "-m", "models:/lead_conversion@champion",
         "--env-manager", "local", "--host", "127.0.0.1", "-p", str(port), "--workers", "1"],
        env=env, cwd=trained, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True)
    try:
        wait_until_up(port, server)
        rows = five_leads(trained)
        payload = {"dataframe_split": json.loads(rows.to_json(orient="split", index=False))}
        check_scores(post(port, payload), rows, score_leads_reference(trained))
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
