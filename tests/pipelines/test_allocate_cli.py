"""`channelwise allocate` on small hand-made artefacts: the plan, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from models.io import write_json
from models.response.model import ChannelCurve
from models.response.uncertainty import CurveSet, curves_to_dict
from pipelines.cli import app

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def artefacts(tmp_path: Path) -> Path:
    curves = [ChannelCurve("search", True, 5.0, 100.0, 5_000.0, 1.2, 0.2),
              ChannelCurve("social", True, 5.0, 300.0, 4_000.0, 1.0, 0.3),
              ChannelCurve("events", True, 1.0, 60.0, 9_000.0, 2.5, 0.5),
              ChannelCurve("organic", False, 50.0)]
    draws = [[ChannelCurve(**{**c.__dict__, "base": c.base * f}) for c in curves]
             for f in (0.9, 1.0, 1.1)]
    extra = {"current_weekly_spend": {"search": 5_000.0, "social": 8_000.0, "events": 2_000.0},
             "history_cap": {"search": 20_000.0, "social": 20_000.0, "events": 20_000.0},
             "window": ["2023-01-02", "2025-12-22"]}
    write_json(tmp_path / "models" / "response" / "curves.json",
               curves_to_dict(CurveSet("leads", curves, draws), extra))
    predictions = tmp_path / "predictions"
    predictions.mkdir()
    pd.DataFrame({"channel": ["search", "social", "events", "organic"],
                  "cltv_mean": [2_000.0, 400.0, 5_000.0, 1_500.0]}).to_csv(
        predictions / "channel_cltv.csv", index=False)
    pd.DataFrame({"channel": ["search", "social", "events", "organic"],
                  "p_convert": [0.2, 0.05, 0.3, 0.2]}).to_csv(
        predictions / "channel_conversion.csv", index=False)
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["paths"] |= {"models": str(tmp_path / "models"), "predictions": str(predictions)}
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    return tmp_path


def _run(artefacts: Path, *args: str):
    out = artefacts / "plan.csv"
    result = CliRunner().invoke(app, ["allocate", "--params", str(artefacts / "params.yaml"),
                                      "--out", str(out), *args])
    return result, out


def test_plan_meets_the_budget_and_writes_the_stable_columns(artefacts: Path) -> None:
    result, out = _run(artefacts, "--budget", "195000", "--weeks", "13")
    assert result.exit_code == 0, result.output
    plan = pd.read_csv(out)
    assert plan["recommended_weekly_spend"].sum() == pytest.approx(15_000.0, rel=1e-9)
    assert list(plan.columns[:11]) == [
        "channel", "current_weekly_spend", "recommended_weekly_spend", "change_pct",
        "lower_bound", "upper_bound", "expected_response", "value_per_unit", "expected_value",
        "marginal_roi", "binding"]
    assert "organic" not in set(plan["channel"])
    assert "P(plan beats current mix)" in result.output


def test_lock_and_minimum_are_respected(artefacts: Path) -> None:
    result, out = _run(artefacts, "--budget", "195000", "--lock", "social",
                       "--min", "events=65000")
    assert result.exit_code == 0, result.output
    plan = pd.read_csv(out).set_index("channel")
    assert plan.loc["social", "recommended_weekly_spend"] == pytest.approx(8_000.0)
    assert plan.loc["social", "binding"] == "locked"
    assert plan.loc["events", "recommended_weekly_spend"] >= 5_000.0 - 1e-6


@pytest.mark.parametrize(("args", "message"), [
    (["--budget", "1000", "--min", "events=65000"], "minimums sum"),
    (["--budget", "195000", "--lock", "tiktok"], "unknown channel"),
    (["--budget", "195000", "--min", "events=9000", "--max", "events=100"], "events: lower bound"),
    (["--budget", "9999999"], "maximums sum"),
])
def test_infeasible_or_contradictory_constraints_exit_1(artefacts: Path, args, message) -> None:
    result, out = _run(artefacts, *args)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_missing_artefacts_say_what_to_run(tmp_path: Path) -> None:
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["paths"] |= {"models": str(tmp_path / "none"), "predictions": str(tmp_path / "none")}
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    result = CliRunner().invoke(app, ["allocate", "--budget", "1000", "--params",
                                      str(tmp_path / "params.yaml")])
    assert result.exit_code == 1
    assert "dvc repro" in result.output


def test_help_has_an_example() -> None:
    result = CliRunner().invoke(app, ["allocate", "--help"])
    assert result.exit_code == 0 and "Example: channelwise allocate" in result.output


def test_help_shows_a_target_and_risk_example() -> None:
    result = CliRunner().invoke(app, ["allocate", "--help"], terminal_width=200)
    assert "allocate --target-value" in result.output and "--risk-aversion" in result.output


def test_target_value_plans_the_smallest_budget_that_reaches_it(artefacts: Path) -> None:
    result, out = _run(artefacts, "--target-value", "1300000", "--weeks", "13")
    assert result.exit_code == 0, result.output
    plan = pd.read_csv(out)
    weekly_value = plan["expected_value"].sum()
    assert 100_000.0 <= weekly_value <= 100_000.0 * 1.005
    assert "reaches the target value" in result.output


def test_an_unreachable_target_is_one_clear_error_and_writes_nothing(artefacts: Path) -> None:
    result, out = _run(artefacts, "--target-value", "1e12")
    assert result.exit_code == 1
    assert "out of reach" in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_a_budget_and_a_target_together_are_refused(artefacts: Path) -> None:
    result, out = _run(artefacts, "--budget", "195000", "--target-roi", "1")
    assert result.exit_code == 1 and "not both" in result.output
    assert not out.exists()


def test_risk_aversion_reports_both_plans_percentiles(artefacts: Path) -> None:
    result, out = _run(artefacts, "--budget", "195000", "--risk-aversion", "1")
    assert result.exit_code == 0, result.output
    assert "risk-averse plan" in result.output and "expected-value plan" in result.output
    assert "p10" in result.output and out.exists()
