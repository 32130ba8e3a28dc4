"""Stage ``train_conversion``: backtest and fit the conversion model; P(convert) per channel."""

from __future__ import annotations

import argparse
from dataclasses import asdict

import pandas as pd

from models.conversion.store import save_conversion_model, save_lead_history
from models.conversion.training import compare_to_truth, empty_outputs, train_conversion
from models.io import read_json, write_csv, write_json
from pipelines import outputs
from pipelines.inputs import read_cutoff, read_prepared_table
from pipelines.params import load_params
from pipelines.params.train_conversion import parse_train_conversion
from pipelines.serving import lead_example, lead_pyfunc
from pipelines.tracking import LoggedModel, log_run


def main() -> None:
    """Run the stage with params.yaml."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default="params.yaml")
    params = load_params(parser.parse_args().params)
    settings, paths = parse_train_conversion(params.section("train_conversion")), params.paths
    leads = read_prepared_table(paths.prepared, "leads")
    model_dir = outputs.CONVERSION_MODEL_DIR.path(paths)
    metrics_path = outputs.CONVERSION_METRICS.path(paths)
    if leads is None:  # nothing to learn: empty outputs, no model, and the reason
        for output, frame in zip(outputs.CONVERSION_TABLES, empty_outputs(), strict=True):
            write_csv(output.path(paths), frame)
        write_json(model_dir / "absent.json", {"reason": "the input has no leads table"})
        write_json(metrics_path, {"skipped": "the input has no leads table"})
        return
    cutoff, features = read_cutoff(paths), pd.read_parquet(outputs.LEAD_FEATURES.path(paths))
    result = train_conversion(leads, features, cutoff, settings, params.seed)
    save_conversion_model(model_dir, result.model)
    save_lead_history(model_dir, leads)  # the served model's team form needs the past
    frames = (result.channel_conversion, result.funnel, result.backtest.reliability,
              result.backtest.gain)
    for output, frame in zip(outputs.CONVERSION_TABLES, frames, strict=True):
        write_csv(output.path(paths), frame, "%.6f")
    metrics = result.backtest.metrics | {"as_of": cutoff.isoformat(), "channel_p_convert":
               result.channel_conversion.set_index("channel")["p_convert"].to_dict()}
    truth_path = params.data_dir / "truth.json"
    if truth_path.is_file():  # a simulated world: check P(convert) per channel against truth
        truth = read_json(truth_path)["channels"]
        metrics["truth"] = compare_to_truth(result.channel_conversion,
                                            {c: v["p_convert"] for c, v in truth.items()})
    write_json(metrics_path, metrics)
    log_run(paths, "train_conversion", asdict(settings) | {
        "seed": params.seed, "features": list(result.model.schema_.columns),
        "training_sample": metrics["training_sample"]}, metrics,
        LoggedModel("lead_conversion", result.model.booster_, lead_example(leads),
                    lead_pyfunc(paths, leads)), [model_dir])


if __name__ == "__main__":
    main()
