"""Stage ``kpi_weights`` end to end on a small simulated world, MLflow in a temp sqlite."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from features.contract import validate_tables
from models.simulation.generator import simulate_world
from pipelines.params import ParamsError
from pipelines.params.kpi_weights import parse_kpi_weights
from pipelines.prepare import write_prepared

REPO_PARAMS = Path(__file__).resolve().parents[2] / "params.yaml"
CHEAP = {"n_cv_repeats": 1, "n_permutations": 1, "n_bootstrap": 50, "n_estimators": 60,
         "phase": "growth"}


def run_stage(root: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Prepare a small simulated world under ``root`` (no CLTV predictions) and run the stage."""
    from pipelines import kpi_weights

    world = simulate_world(3, "small")
    data = validate_tables({"customers": world.customers, "orders": world.orders,
                            "spend": world.spend, "leads": world.leads})
    params = yaml.safe_load(REPO_PARAMS.read_text())
    params["paths"] = {key: str(root / value) for key, value in params["paths"].items()}
    params["kpi_weights"] |= CHEAP
    write_prepared(data, Path(params["paths"]["prepared"]))
    (root / "params.yaml").write_text(yaml.safe_dump(params))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{root}/mlflow.db")
    monkeypatch.setattr(sys, "argv", ["kpi_weights", "--params", str(root / "params.yaml")])
    kpi_weights.main()
    return {key: Path(value) for key, value in params["paths"].items()}


def test_stage_writes_weights_phases_scorecard_figure_and_metrics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    logged: list[dict] = []
    monkeypatch.setattr("pipelines.kpi_weights.log_run",
                        lambda paths, stage, params, metrics, **_: logged.append(metrics))
    paths = run_stage(tmp_path, monkeypatch)

    weights = pd.read_csv(paths["reports"] / "kpi_weights.csv")
    assert list(weights.columns) == ["kpi", "weight", "weight_low", "weight_high", "direction",
                                     "rationale"]
    assert weights["weight"].sum() == pytest.approx(1.0, abs=1e-3)
    phases = pd.read_csv(paths["reports"] / "kpi_weights_profiles.csv")
    assert list(phases.columns) == ["kpi", "launch", "growth", "profit"]
    assert phases[["launch", "growth", "profit"]].sum().to_numpy() == pytest.approx(1.0, abs=1e-3)
    growth = phases.set_index("kpi")["growth"]
    assert weights.set_index("kpi")["weight"].reindex(growth.index).to_numpy() == pytest.approx(
        growth.to_numpy(), abs=1e-4)  # the selected phase is growth
    card = pd.read_csv(paths["reports"] / "team_scorecard.csv")
    assert len(card) == 4 and card["team"].is_unique  # the small world has 4 teams
    assert {"score", "rank", "lead_to_customer_rate_target"} <= set(card.columns)
    assert (paths["figures"] / "kpi_shap_summary.png").stat().st_size > 10_000
    metrics = json.loads((paths["metrics"] / "kpi_weights.json").read_text())
    assert {"within_r2", "between_r2", "error_reduction", "weights", "phases"} <= set(metrics)
    assert metrics["phase"] == "growth" and set(metrics["phases"]) == {"launch", "growth",
                                                                        "profit"}
    assert metrics["outcome_source"] == "value_curve"
    assert logged == [metrics]


def test_bad_phase_is_a_params_error() -> None:
    section = yaml.safe_load(REPO_PARAMS.read_text())["kpi_weights"] | {"phase": "balanced"}
    with pytest.raises(ParamsError, match="phase"):
        parse_kpi_weights(section, seed=1)
    with pytest.raises(ParamsError, match="interval"):
        parse_kpi_weights(section | {"phase": "profit", "interval": 2}, seed=1)


def test_group_correlation_is_read_and_checked() -> None:
    section = yaml.safe_load(REPO_PARAMS.read_text())["kpi_weights"]
    assert parse_kpi_weights(section, seed=1).model["group_correlation"] == 0.7
    alone = parse_kpi_weights(section | {"group_correlation": None}, seed=1)
    assert alone.model["group_correlation"] is None
    missing = {k: v for k, v in section.items() if k != "group_correlation"}
    assert parse_kpi_weights(missing, seed=1).model["group_correlation"] == 0.7
    for bad in (0, -0.5, 1.5, "high"):
        with pytest.raises(ParamsError, match="group_correlation"):
            parse_kpi_weights(section | {"group_correlation": bad}, seed=1)


@pytest.mark.slow  # a fresh MLflow sqlite store alone takes ~15 s to create and fill
def test_stage_logs_an_mlflow_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import mlflow

    run_stage(tmp_path, monkeypatch)
    runs = mlflow.search_runs(experiment_names=["channelwise"])
    assert len(runs) == 1
    run = runs.iloc[0]
    assert run["tags.mlflow.runName"] == "kpi_weights"
    assert run["params.phase"] == "growth"
    assert "metrics.within_r2" in runs.columns
