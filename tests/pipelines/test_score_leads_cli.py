"""Tests of ``channelwise score-leads`` on tiny files, through the Typer app."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner, Result

from features.leads import build_lead_features
from models.conversion.store import save_conversion_model
from models.conversion.training import ConversionSettings, train_conversion
from models.io import write_table
from models.simulation.generator import simulate_world
from pipelines.cli import app


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A model trained on a small world, and a leads CSV of 30 of its leads."""
    root = tmp_path_factory.mktemp("score")
    leads = simulate_world(42, "small").leads
    cutoff = leads["created_at"].max().normalize() + pd.Timedelta(days=1)
    result = train_conversion(leads, build_lead_features(leads, cutoff), cutoff,
                              ConversionSettings(model_params={"cv": 3}), seed=0)
    save_conversion_model(root / "model", result.model)
    write_table(root, "leads", leads.tail(30), "csv")
    pd.DataFrame({"channel": ["events"], "cltv_mean": [2000.0]}).to_csv(
        root / "cltv.csv", index=False)
    return {"root": root, "model": root / "model", "leads": root / "leads.csv"}


def score(workspace: dict[str, Path], leads: Path, *extra: str) -> Result:
    out = workspace["root"] / "scores.csv"
    args = ["score-leads", "--leads", str(leads), "--out", str(out),
            "--model-dir", str(workspace["model"]), *extra]
    return CliRunner().invoke(app, args, env={"COLUMNS": "200"})


def edited(workspace: dict[str, Path], name: str, change: dict) -> Path:
    frame = pd.read_csv(workspace["leads"], dtype=str)
    for column, value in change.items():
        if value is None:
            frame = frame.drop(columns=column)
        else:
            frame.loc[4, column] = value
    path = workspace["root"] / f"{name}.csv"
    frame.to_csv(path, index=False)
    return path


def test_happy_path_writes_scores_and_reasons(workspace: dict[str, Path]) -> None:
    result = score(workspace, workspace["leads"], "--cltv", str(workspace["root"] / "cltv.csv"))

    assert result.exit_code == 0, result.output
    assert "Scored 30 leads" in result.output
    scores = pd.read_csv(workspace["root"] / "scores.csv")
    assert list(scores.columns) == ["lead_id", "p_convert", "expected_value",
                                    "reason_1", "reason_2", "reason_3"]
    assert len(scores) == 30 and scores["p_convert"].between(0, 1).all()
    assert scores["reason_3"].str.contains("=").all()
    channels = pd.read_csv(workspace["leads"]).set_index("lead_id")["channel"]
    events = scores["lead_id"].map(channels).eq("events").to_numpy()
    assert events.any()
    np.testing.assert_allclose(scores.loc[events, "expected_value"],
                               scores.loc[events, "p_convert"] * 2000, rtol=1e-5)
    assert scores.loc[~events, "expected_value"].isna().all()


@pytest.mark.parametrize(("change", "message"), [
    ({"touches": None}, "lacks column(s) the model needs: touches"),
    ({"converted_at": None}, "the model uses the team form (team_form_30d, team_form_90d), "
                             "which needs the columns team and converted_at"),
    ({"channel": None}, "leads.channel: required column missing"),
    ({"engagement_score": "high"}, "leads.engagement_score: not a number (1 row)"),
    ({"webinar_attended": "maybe"}, "column 'webinar_attended' must be boolean"),
    ({"created_at": "yesterday"}, "leads.created_at: not a valid datetime"),
])
def test_bad_input_exits_1_with_one_clear_line(
    workspace: dict[str, Path], change: dict, message: str
) -> None:
    result = score(workspace, edited(workspace, "bad", change))

    assert result.exit_code == 1
    assert message in result.output, result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output


def test_missing_model_or_file_exits_1(workspace: dict[str, Path]) -> None:
    result = score(workspace, workspace["root"] / "nowhere.csv")
    assert result.exit_code == 1 and "file not found" in result.output
    result = CliRunner().invoke(app, ["score-leads", "--leads", str(workspace["leads"]),
                                      "--out", "x.csv", "--model-dir",
                                      str(workspace["root"] / "empty")])
    assert result.exit_code == 1 and "dvc repro train_conversion" in result.output
    assert "Traceback" not in result.output


def test_help_shows_an_example() -> None:
    result = CliRunner().invoke(app, ["score-leads", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "channelwise score-leads --leads" in result.output
