"""Stage ``train_cltv`` end to end on a small simulated world, MLflow in a temp sqlite."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from features.contract import validate_tables
from models.cltv.model import CLTVModel
from models.simulation.generator import simulate_world
from pipelines.params import ParamsError
from pipelines.params.train_cltv import parse_train_cltv
from pipelines.prepare import write_prepared

REPO_PARAMS = Path(__file__).resolve().parents[2] / "params.yaml"


def stage_params(root: Path) -> dict:
    params = yaml.safe_load(REPO_PARAMS.read_text())
    params["paths"] = {key: str(root / value) for key, value in params["paths"].items()}
    params["train_cltv"] |= {"n_estimators": 40, "max_cutoffs": 3}
    return params


def run_stage(root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, Path], int]:
    """Prepare a small simulated world under ``root`` and run the stage on it."""
    from pipelines import train_cltv

    world = simulate_world(7, "small")
    data = validate_tables({"customers": world.customers, "orders": world.orders,
                            "spend": world.spend, "leads": world.leads})
    params = stage_params(root)
    write_prepared(data, Path(params["paths"]["prepared"]))
    (root / "params.yaml").write_text(yaml.safe_dump(params))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{root}/mlflow.db")
    monkeypatch.setattr(sys, "argv", ["train_cltv", "--params", str(root / "params.yaml")])
    train_cltv.main()
    return {key: Path(value) for key, value in params["paths"].items()}, len(data.customers)


def test_stage_writes_predictions_reports_and_metrics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    logged: list[dict] = []
    monkeypatch.setattr("pipelines.train_cltv.log_run",
                        lambda paths, stage, params, metrics, *_: logged.append(metrics))
    paths, n_customers = run_stage(tmp_path, monkeypatch)

    customers = pd.read_parquet(paths["predictions"] / "customer_cltv.parquet")
    assert list(customers.columns) == ["customer_id", "predicted_value", "predicted_p10",
                                       "predicted_p90", "p_alive", "acquisition_channel"]
    assert len(customers) == n_customers
    report = pd.read_csv(paths["reports"] / "cltv_by_channel.csv")
    assert list(report.columns) == ["channel", "customers", "cltv_mean", "cltv_p10", "cltv_p90",
                                    "cac", "cltv_to_cac"]
    assert report.loc[report["channel"] == "organic", "cac"].isna().all()
    assert report.loc[report["channel"] != "organic", "cac"].notna().all()
    channels = pd.read_csv(paths["predictions"] / "channel_cltv.csv")
    assert list(channels.columns) == ["channel", "cltv_mean", "cltv_p10", "cltv_p90", "customers"]
    metrics = json.loads((paths["metrics"] / "cltv.json").read_text())
    for model in ("lightgbm", "btyd"):
        assert set(metrics["backtest"][model]) == {"spearman", "normalised_gini", "decile_mape",
                                                   "aggregate_error", "mae", "interval_coverage"}
    assert logged == [metrics]
    assert CLTVModel.load(paths["models"] / "cltv").booster_.num_trees() == 40


@pytest.mark.slow  # a fresh MLflow sqlite store alone takes ~15 s to create and fill
def test_stage_logs_and_registers_the_model_in_mlflow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mlflow

    paths, _ = run_stage(tmp_path, monkeypatch)

    metrics = json.loads((paths["metrics"] / "cltv.json").read_text())
    client = mlflow.MlflowClient(f"sqlite:///{tmp_path}/mlflow.db")
    version = client.search_model_versions("name='cltv'")[0]
    run = client.get_run(version.run_id)
    assert run.data.metrics["backtest_lightgbm_spearman"] == pytest.approx(
        metrics["backtest"]["lightgbm"]["spearman"])
    assert run.data.params["horizon_days"] == "365"
    model = mlflow.lightgbm.load_model(f"models:/cltv/{version.version}")
    assert model.num_trees() == 40


def test_params_are_checked_at_the_edge() -> None:
    section = yaml.safe_load(REPO_PARAMS.read_text())["train_cltv"]
    parsed = parse_train_cltv(section, seed=11)
    assert parsed.model.random_state == 11 and parsed.cac_weeks == 13
    with pytest.raises(ParamsError, match=r"train_cltv\.horizon_days"):
        parse_train_cltv(section | {"horizon_days": 0}, seed=1)
    with pytest.raises(ParamsError, match="objective"):
        parse_train_cltv(section | {"objective": "mse"}, seed=1)
    with pytest.raises(ParamsError, match="unknown key"):
        parse_train_cltv(section | {"horizon": 30}, seed=1)
    with pytest.raises(ParamsError, match="quantiles"):
        parse_train_cltv(section | {"quantiles": [0.9, 0.1]}, seed=1)


@pytest.mark.dask
def test_under_dask_the_stage_reads_the_buckets_prepare_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Buckets one customer short of the flat table: the error proves the stage read them.
    from models.io import write_bucketed
    from models.scale.buckets import BucketError, bucket_tables
    from pipelines import train_cltv

    world = simulate_world(7, "small")
    data = validate_tables({"customers": world.customers, "orders": world.orders,
                            "spend": world.spend})
    params = stage_params(tmp_path) | {"engine": "dask", "dask": {
        "buckets": 2, "n_workers": 1, "threads_per_worker": 1, "memory_limit": "2GiB"}}
    prepared = Path(params["paths"]["prepared"])
    write_prepared(data, prepared)
    write_bucketed(prepared / "buckets", bucket_tables(
        {"customers": data.customers.iloc[1:], "orders": data.orders}, 2))
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    monkeypatch.setattr(sys, "argv", ["train_cltv", "--params", str(tmp_path / "params.yaml")])
    with pytest.raises(BucketError, match=f"{prepared / 'buckets' / 'customers'} holds "
                                          f"{len(data.customers) - 1:,} rows"):
        train_cltv.main()
    assert not (Path(params["paths"]["predictions"]) / "customer_cltv.parquet").exists()
