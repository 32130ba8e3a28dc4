"""Stage ``monitor``: weekly KPI series, their bands and the recent alerts with their drivers.

Under ``engine: dask`` the KPI-family series and the drill-downs run as cluster tasks
(:mod:`models.scale.tasks`); the files are the same.
"""

from __future__ import annotations

import argparse

import pandas as pd

from features.contract import data_end
from models.io import write_csv, write_json
from models.monitoring.monitor import alert_table, run_monitor, series_table
from pipelines import outputs
from pipelines.engine import engine_tasks, stage_engine
from pipelines.inputs import read_prepared
from pipelines.inputs.monitor import channel_values, model_health
from pipelines.params import load_params
from pipelines.params.monitor import parse_monitor
from pipelines.params.train_conversion import parse_train_conversion


def main() -> None:
    """Run the stage with params.yaml; CLTV and P(convert) outputs are used when present."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default="params.yaml")
    params = load_params(parser.parse_args().params)
    config, paths = parse_monitor(params.section("monitor"), params.seed).config, params.paths
    data = read_prepared(paths.prepared)
    as_of = params.cutoff if params.cutoff is not None else data_end(data)
    values = channel_values(data, pd.Timestamp(as_of), config.windows.horizon_days,
                            outputs.CHANNEL_CLTV.path(paths),
                            outputs.CHANNEL_CONVERSION.path(paths))
    with engine_tasks(stage_engine(params.raw)) as tasks:  # engine: local | dask
        result = run_monitor(data, pd.Timestamp(as_of), config, values, tasks=tasks)
    write_csv(outputs.ALERTS.path(paths), alert_table(result.alerts))
    write_csv(outputs.KPI_SERIES.path(paths), series_table(result.bands))
    window = parse_train_conversion(params.section("train_conversion")).window_days
    health = model_health(data, pd.Timestamp(as_of), outputs.CONVERSION_MODEL_DIR.path(paths),
                          outputs.CUTOFF.path(paths), window)
    write_json(outputs.MONITOR_METRICS.path(paths), result.summary() | {
        "as_of": pd.Timestamp(as_of).date().isoformat(), "model_health": health})


if __name__ == "__main__":
    main()
