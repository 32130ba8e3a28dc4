"""Stage ``train_conversion``: backtest and fit the conversion model; P(convert) per channel."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from models.conversion.training import compare_to_truth, empty_outputs, train_conversion
from models.io import read_json, write_csv, write_json
from pipelines.conversion_params import parse_train_conversion
from pipelines.conversion_store import save_conversion_model
from pipelines.conversion_tracking import log_conversion_run
from pipelines.params import load_params
from pipelines.prepared import read_prepared


def main() -> None:
    """Run the stage with params.yaml."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default="params.yaml")
    params = load_params(parser.parse_args().params)
    settings = parse_train_conversion(params.section("train_conversion"))
    leads = read_prepared(params.paths.prepared).leads
    features_dir = Path(params.paths.features)
    model_dir = Path(params.paths.models) / "conversion"
    metrics_path = Path(params.paths.metrics) / "conversion.json"
    predictions, plots = Path(params.paths.predictions), Path(params.paths.plots)
    tables = [predictions / "channel_conversion.csv", predictions / "funnel_metrics.csv",
              plots / "conversion_reliability.csv", plots / "conversion_gain.csv"]
    if leads is None:  # nothing to learn: empty outputs, no model, and the reason
        for path, frame in zip(tables, empty_outputs(), strict=True):
            write_csv(path, frame)
        write_json(model_dir / "absent.json", {"reason": "the input has no leads table"})
        write_json(metrics_path, {"skipped": "the input has no leads table"})
        return
    cutoff = pd.Timestamp(read_json(features_dir / "cutoff.json")["cutoff"])
    features = pd.read_parquet(features_dir / "leads.parquet")
    result = train_conversion(leads, features, cutoff, settings, params.seed)
    save_conversion_model(model_dir, result.model)
    frames = (result.channel_conversion, result.funnel, result.backtest.reliability,
              result.backtest.gain)
    for path, frame in zip(tables, frames, strict=True):
        write_csv(path, frame, "%.6f")
    metrics = result.backtest.metrics | {"as_of": cutoff.isoformat(), "channel_p_convert": dict(
        zip(result.channel_conversion["channel"], result.channel_conversion["p_convert"],
            strict=True))}
    truth_path = Path(params.data_dir) / "truth.json"
    if truth_path.is_file():  # a simulated world: check P(convert) per channel against truth
        truth = {name: channel["p_convert"] for name, channel in
                 read_json(truth_path)["channels"].items()}
        metrics["truth"] = compare_to_truth(result.channel_conversion, truth)
    write_json(metrics_path, metrics)
    logged = asdict(settings) | {"seed": params.seed,
                                 "features": list(result.model.schema_.columns)}
    log_conversion_run(logged, metrics, result.model, result.backtest.validation_features,
                       model_dir)


if __name__ == "__main__":
    main()
