"""Stage ``kpi_weights``: KPI weights from evidence, strategy profiles and the team scorecard."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from features.kpis import KPI_NAMES, build_kpi_panel
from models.cltv.model import value_column
from models.io import write_csv, write_json
from models.kpi.figures import shap_summary_figure
from models.kpi.outcome import build_outcome
from models.kpi.profiles import PROFILE_MULTIPLIERS, profiles_table
from models.kpi.scorecard import build_scorecard, scorecard_directions
from models.kpi.weights import KpiWeightModel
from pipelines.kpi_weights_params import KpiWeightsParams
from pipelines.kpi_weights_tracking import log_kpi_weights_run, save_figure, summary
from pipelines.params import load_params
from pipelines.prepared import data_end, read_prepared


def main() -> None:
    """Run the stage with params.yaml."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default="params.yaml")
    params = load_params(parser.parse_args().params)
    cfg = KpiWeightsParams.parse(params.section("kpi_weights"), params.seed)
    data = read_prepared(params.paths.prepared)
    end = data_end(data)
    cltv_path = Path(params.paths.predictions) / "customer_cltv.parquet"
    predictions = pd.read_parquet(cltv_path) if cltv_path.exists() else None
    panel = build_kpi_panel(data, end, cfg.windows)
    outcome = build_outcome(data, end, predictions, value_column(data.orders),
                            cfg.horizon_days, cfg.horizon_months)
    rows = panel.merge(outcome, on=["team", "month"], validate="one_to_one")
    kpis = [name for name in KPI_NAMES if name in panel.columns]
    model = KpiWeightModel(booster=cfg.booster, **cfg.model).fit(
        rows[kpis], rows["outcome"], rows["team"], rows["month"])
    weights = model.weight_table(PROFILE_MULTIPLIERS[cfg.profile])
    profiles = profiles_table(model.weights_)
    card = build_scorecard(panel[["team", "month", *kpis]],
                           dict(zip(weights["kpi"], weights["weight"], strict=True)),
                           scorecard_directions(weights), cfg.targets)
    reports = Path(params.paths.reports)
    write_csv(reports / "kpi_weights.csv", weights, float_format="%.4f")
    write_csv(reports / "kpi_weights_profiles.csv", profiles, float_format="%.4f")
    write_csv(reports / "team_scorecard.csv", card, float_format="%.4f")
    figure = Path(params.paths.figures) / "kpi_shap_summary.png"
    save_figure(figure, shap_summary_figure(model.shap_values_, rows[kpis], model.weights_,
                                            params.seed))
    metrics = summary(model, rows, cfg.profile.value, predictions is not None)
    write_json(Path(params.paths.metrics) / "kpi_weights.json", metrics)
    log_kpi_weights_run(cfg, metrics, [reports / "kpi_weights.csv",
                                       reports / "kpi_weights_profiles.csv",
                                       reports / "team_scorecard.csv", figure])


if __name__ == "__main__":
    main()
