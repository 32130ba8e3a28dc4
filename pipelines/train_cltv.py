"""Stage ``train_cltv``: backtest, then customer and per-channel CLTV as of the end of the data."""

from __future__ import annotations

import argparse
from dataclasses import replace
from datetime import timedelta

from features.contract import data_end, value_column
from models.cltv import channel as cltv_channel
from models.cltv.backtest import backtest_cltv
from models.cltv.channel import NewCustomerModel, channel_cac, channel_cltv, channel_report
from models.cltv.model import SAVED_COLUMNS
from models.io import save_booster, write_csv, write_json, write_parquet
from pipelines import outputs
from pipelines.engine import cltv_models, stage_engine
from pipelines.inputs import read_prepared
from pipelines.params import load_params
from pipelines.params.train_cltv import parse_train_cltv
from pipelines.tracking import LoggedModel, log_run


def main() -> None:
    """Run the stage with params.yaml."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default="params.yaml")
    params = load_params(parser.parse_args().params)
    stage, paths = parse_train_cltv(params.section("train_cltv"), params.seed), params.paths
    data = read_prepared(paths.prepared)
    config, end = replace(stage.model, value_col=value_column(data.orders)), data_end(data)
    t0 = end - timedelta(days=config.horizon_days)
    with cltv_models(stage_engine(params.raw), outputs.PREPARED_BUCKETS.path(paths)) as make:
        try:
            metrics, _ = backtest_cltv(data.customers, data.orders, t0, config, None, make(config))
        except ValueError as err:  # history too short for a backtest: say so, still score
            metrics = {"skipped": str(err)}
        model = make(config).fit(data.customers, data.orders, end)
        customers = model.predict(data.customers, data.orders, end)
    new = NewCustomerModel(config, stage.channel).fit(data.customers, data.orders, end)
    channels = channel_cltv(new.predict(data.customers, data.orders, end),
                            new.channel_spread_, end, stage.channel)
    report = channel_report(channels, channel_cac(data.spend, data.customers, stage.cac_weeks))
    model_dir = model.save(outputs.CLTV_MODEL_DIR.path(paths))
    save_booster(model_dir / "new_customer.txt", new.booster_, new.metadata())
    write_parquet(outputs.CUSTOMER_CLTV.path(paths), customers[list(SAVED_COLUMNS)])
    write_csv(outputs.CHANNEL_CLTV.path(paths), channels[list(cltv_channel.SAVED_COLUMNS)],
              float_format="%.4f")
    write_csv(outputs.CLTV_BY_CHANNEL.path(paths), report, float_format="%.4f")
    summary = {"backtest": metrics, "as_of": end.isoformat(), "customers": len(customers),
               "training_cutoffs": len(model.cutoffs_), "value": config.value_col, "channel_cltv":
               dict(zip(channels["channel"], channels["cltv_mean"], strict=True))}
    write_json(outputs.CLTV_METRICS.path(paths), summary)
    logged = config.to_dict() | {"recent_days": stage.channel.recent_days, "cac_weeks":
                                 stage.cac_weeks}
    log_run(paths, "train_cltv", logged, summary,
            LoggedModel("cltv", model.booster_, model.input_example_), [model_dir])


if __name__ == "__main__":
    main()
