"""Stage ``train_cltv``: backtest, then customer and per-channel CLTV as of the end of the data."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import pandas as pd

from models.cltv.backtest import backtest_cltv
from models.cltv.channel import NewCustomerModel, channel_cac, channel_cltv, channel_report
from models.cltv.model import CLTVModel, value_column
from models.io import save_booster, write_csv, write_json, write_parquet
from pipelines.cltv_params import parse_train_cltv
from pipelines.cltv_tracking import log_cltv_run
from pipelines.params import load_params
from pipelines.prepared import data_end, read_prepared

CUSTOMER_COLUMNS = ["customer_id", "predicted_value", "predicted_p10", "predicted_p90",
                    "p_alive", "acquisition_channel"]
CHANNEL_COLUMNS = ["channel", "cltv_mean", "cltv_p10", "cltv_p90", "customers"]


def main() -> None:
    """Run the stage with params.yaml."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default="params.yaml")
    params = load_params(parser.parse_args().params)
    stage = parse_train_cltv(params.section("train_cltv"), params.seed)
    data = read_prepared(params.paths.prepared)
    config = replace(stage.model, value_col=value_column(data.orders))
    end = data_end(data)
    try:
        metrics, _ = backtest_cltv(data.customers, data.orders,
                                   end - pd.Timedelta(days=config.horizon_days), config)
    except ValueError as err:  # history too short for a backtest: say so, still score
        metrics = {"skipped": str(err)}
    model = CLTVModel(config).fit(data.customers, data.orders, end)
    customers = model.predict(data.customers, data.orders, end)
    new = NewCustomerModel(config, stage.channel).fit(data.customers, data.orders, end)
    channels = channel_cltv(new.predict(data.customers, data.orders, end),
                            new.channel_spread_, end, stage.channel)
    report = channel_report(channels, channel_cac(data.spend, data.customers, stage.cac_weeks))
    model_dir = Path(params.paths.models) / "cltv"
    model.save(model_dir)
    save_booster(model_dir / "new_customer.txt", new.booster_, new.metadata())
    predictions = Path(params.paths.predictions)
    write_parquet(predictions / "customer_cltv.parquet", customers[CUSTOMER_COLUMNS])
    write_csv(predictions / "channel_cltv.csv", channels[CHANNEL_COLUMNS], float_format="%.4f")
    write_csv(Path(params.paths.reports) / "cltv_by_channel.csv", report, float_format="%.4f")
    summary = {"backtest": metrics, "as_of": end.isoformat(), "customers": len(customers),
               "training_cutoffs": len(model.cutoffs_), "value": config.value_col,
               "channel_cltv": dict(zip(channels["channel"], channels["cltv_mean"], strict=True))}
    write_json(Path(params.paths.metrics) / "cltv.json", summary)
    log_cltv_run(config.to_dict() | {"recent_days": stage.channel.recent_days,
                                     "cac_weeks": stage.cac_weeks}, summary, model, model_dir)


if __name__ == "__main__":
    main()
