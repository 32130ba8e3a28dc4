"""The champion/challenger gate: a worse retrain stays challenger, the champion stays put."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.tracking import CHALLENGER, CHAMPION, GATES, Standing, decide
from tests.pipelines.test_train_conversion import prepare_world, run

GATE = GATES["lead_conversion"]  # log loss: lower is better


def test_decide_by_margin_on_the_same_backtest() -> None:
    champion = Standing("1", 0.400, "k")
    assert decide(Standing("2", 0.390, "k"), champion, GATE)[0] == CHAMPION
    alias, reason = decide(Standing("2", 0.399, "k"), champion, GATE)
    assert alias == CHALLENGER and "needs <= 0.398" in reason and "\n" not in reason
    assert decide(Standing("2", 0.100, "other"), champion, GATE)[0] == CHALLENGER
    assert decide(Standing("1", 0.5, "k"), None, GATE)[0] == CHAMPION
    assert decide(Standing("2", None, "k"), champion, GATE)[0] == CHALLENGER
    gini = GATES["cltv"]
    assert decide(Standing("2", 0.61, "k"), Standing("1", 0.60, "k"), gini)[0] == CHAMPION
    assert decide(Standing("2", 0.601, "k"), Standing("1", 0.60, "k"), gini)[0] == CHALLENGER


WORSE = ["created_month", "engagement_score", "company_size", "industry", "webinar_attended",
         "team_form_30d", "team_form_90d", "region", "team", "touches"]


def test_a_worse_retrain_is_challenger_and_the_champion_stays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    prepare_world(tmp_path)
    run("train_conversion", tmp_path, monkeypatch)
    record_path = next(tmp_path.rglob("runs/train_conversion.json"))
    first = json.loads(record_path.read_text())
    assert first["alias"] == CHAMPION, first
    params = yaml.safe_load((tmp_path / "params.yaml").read_text())
    params["train_conversion"]["exclude_features"] = WORSE
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    capsys.readouterr()
    run("train_conversion", tmp_path, monkeypatch)
    second = json.loads(record_path.read_text())
    said = [line for line in capsys.readouterr().out.splitlines() if "challenger" in line]
    assert second["alias"] == CHALLENGER and len(said) == 1, second
    assert second["model_version"] == "2"

    from mlflow import MlflowClient

    client = MlflowClient()
    assert str(client.get_model_version_by_alias("lead_conversion", CHAMPION).version) == "1"
    assert str(client.get_model_version_by_alias("lead_conversion", CHALLENGER).version) == "2"
    result = CliRunner().invoke(app, ["models"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "lead_conversion" in line]
    assert len(lines) == 2 and "champion" in lines[1] and "challenger" in lines[0]
    assert GATE.metric in result.output
