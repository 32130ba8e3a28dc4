"""Stages ``train_conversion`` and ``score_leads`` end to end on a small simulated world."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from features.channels import build_channel_panel
from features.contract import validate_tables
from features.leads import build_lead_features
from models.io import write_csv, write_json, write_parquet
from models.simulation.generator import simulate_world
from pipelines.params import ParamsError
from pipelines.params.train_conversion import parse_train_conversion
from pipelines.prepare import write_prepared

REPO_PARAMS = Path(__file__).resolve().parents[2] / "params.yaml"


def prepare_world(root: Path, with_leads: bool = True) -> dict[str, Path]:
    """Write params, prepared tables, lead features and truth.json for a small world."""
    world = simulate_world(42, "small")
    tables = {"customers": world.customers, "orders": world.orders, "spend": world.spend}
    if with_leads:
        tables["leads"] = world.leads
    data = validate_tables(tables)
    params = yaml.safe_load(REPO_PARAMS.read_text())
    params["paths"] = {key: str(root / value) for key, value in params["paths"].items()}
    params["data"]["dir"] = str(root / "raw")
    paths = {key: Path(value) for key, value in params["paths"].items()}
    write_prepared(data, paths["prepared"])
    cutoff = world.leads["created_at"].max().normalize() + pd.Timedelta(days=1)
    if with_leads:
        write_parquet(paths["features"] / "leads.parquet", build_lead_features(data.leads, cutoff))
    write_parquet(paths["features"] / "channel_panel.parquet",
                  build_channel_panel(data.spend, data.customers, data.leads, cutoff))
    write_json(paths["features"] / "cutoff.json", {"cutoff": cutoff.isoformat()})
    write_json(root / "raw" / "truth.json", world.truth)
    (root / "params.yaml").write_text(yaml.safe_dump(params))
    return paths


def run(module: str, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{root}/mlflow.db")
    monkeypatch.setattr(sys, "argv", [module, "--params", str(root / "params.yaml")])
    __import__(f"pipelines.{module}", fromlist=["main"]).main()


def test_stages_write_model_metrics_plots_predictions_and_scores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mlflow

    paths = prepare_world(tmp_path)
    cltv = pd.DataFrame({"channel": ["events", "organic"], "cltv_mean": [3000.0, 2000.0]})
    write_csv(paths["predictions"] / "channel_cltv.csv", cltv)
    run("train_conversion", tmp_path, monkeypatch)
    run("score_leads", tmp_path, monkeypatch)

    metrics = json.loads((paths["metrics"] / "conversion.json").read_text())
    for model in ("model", "baseline"):
        assert {"roc_auc", "pr_auc", "brier", "brier_skill", "log_loss", "ece", "lift_top_10",
                "capture_top_10", "lift_top_20", "capture_top_20"} <= set(metrics[model])
    split = metrics["split"]
    assert split["train"]["last"] <= split["calibration"]["first"]
    assert split["calibration"]["last"] <= split["validation"]["first"]
    assert set(metrics["truth"]["channels"]) == set(metrics["channel_p_convert"])
    assert sorted(p.name for p in (paths["models"] / "conversion").iterdir()) == [
        "history.parquet", "model.json", "model.txt"]
    channels = pd.read_csv(paths["predictions"] / "channel_conversion.csv")
    assert list(channels.columns) == ["channel", "p_convert", "p_convert_low",
                                      "p_convert_high", "leads"]
    assert (channels["p_convert_low"] <= channels["p_convert"]).all()
    funnel = pd.read_csv(paths["predictions"] / "funnel_metrics.csv")
    assert set(funnel["level"]) == {"channel", "team"}
    assert list(pd.read_csv(paths["plots"] / "conversion_reliability.csv").columns)[2:4] == [
        "mean_predicted", "observed_rate"]
    gain = pd.read_csv(paths["plots"] / "conversion_gain.csv")
    assert list(gain.columns) == ["fraction_contacted", "model", "baseline", "random"]

    scores = pd.read_csv(paths["reports"] / "lead_scores.csv")
    leads = pd.read_parquet(paths["prepared"] / "leads.parquet")
    open_leads = leads[leads["converted_at"].isna()
                       & (leads["created_at"] > leads["created_at"].max() - pd.Timedelta(days=119))]
    assert set(open_leads["lead_id"]) <= set(scores["lead_id"])
    assert not set(scores["lead_id"]) & set(leads.loc[leads["converted_at"].notna(), "lead_id"])
    known = scores.merge(leads[["lead_id", "channel"]], on="lead_id")
    has_cltv = known["channel"].isin(["events", "organic"])
    assert known.loc[has_cltv, "expected_value"].notna().all()
    assert known.loc[~has_cltv, "expected_value"].isna().all()

    mlflow.set_tracking_uri(f"sqlite:///{tmp_path}/mlflow.db")
    info = mlflow.models.get_model_info("models:/lead_conversion/1")
    assert info.signature is not None
    assert [spec.name for spec in info.signature.inputs.inputs][:3] == [  # raw lead rows
        "lead_id", "created_at", "channel"]
    sample = metrics["training_sample"]  # the small world is far below the cap
    assert sample["final"]["rows"] == sample["final"]["of"] < sample["max_train_rows"]
    logged = mlflow.get_run(info.run_id).data.params
    assert logged["training_sample_final_rows"] == str(sample["final"]["rows"])
    assert logged["max_train_rows"] == str(sample["max_train_rows"])


def test_stages_without_leads_write_empty_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = prepare_world(tmp_path, with_leads=False)
    run("train_conversion", tmp_path, monkeypatch)
    run("score_leads", tmp_path, monkeypatch)
    assert "skipped" in json.loads((paths["metrics"] / "conversion.json").read_text())
    assert pd.read_csv(paths["predictions"] / "channel_conversion.csv").empty
    assert list(pd.read_csv(paths["reports"] / "lead_scores.csv").columns) == [
        "lead_id", "p_convert", "expected_value", "reason_1", "reason_2", "reason_3"]


def test_params_are_validated() -> None:
    section = yaml.safe_load(REPO_PARAMS.read_text())["train_conversion"]
    assert parse_train_conversion(section).window_days == 120.0
    with pytest.raises(ParamsError, match="conversion_window_days"):
        parse_train_conversion(section | {"conversion_window_days": -5})
    with pytest.raises(ParamsError, match=r"final_calibration.*cross_validated"):
        parse_train_conversion(section | {"final_calibration": "yesterday"})
    with pytest.raises(ParamsError, match="recent_weeks is missing"):
        parse_train_conversion({k: v for k, v in section.items() if k != "recent_weeks"})


def test_max_train_rows_is_a_positive_cap_or_null() -> None:
    section = yaml.safe_load(REPO_PARAMS.read_text())["train_conversion"]
    assert parse_train_conversion(section | {"max_train_rows": 2_000}).max_train_rows == 2_000
    assert parse_train_conversion(section | {"max_train_rows": None}).max_train_rows is None
    for bad in (0, -5, 2.5, "many"):
        with pytest.raises(ParamsError, match=r"train_conversion\.max_train_rows"):
            parse_train_conversion(section | {"max_train_rows": bad})
    with pytest.raises(ParamsError, match="max_train_rows is missing"):
        parse_train_conversion({k: v for k, v in section.items() if k != "max_train_rows"})


def test_n_jobs_sets_the_threads_and_one_thread_stays_the_model_default() -> None:
    section = yaml.safe_load(REPO_PARAMS.read_text())["train_conversion"]
    assert parse_train_conversion(section | {"n_jobs": 1}).model_params == {}
    assert parse_train_conversion(section | {"n_jobs": 2}).model_params == {"n_jobs": 2}
    for bad in (0, -1, 1.5):
        with pytest.raises(ParamsError, match=r"train_conversion\.n_jobs"):
            parse_train_conversion(section | {"n_jobs": bad})
