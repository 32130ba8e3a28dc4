"""Stage ``kpi_weights``: KPI weights from evidence under each phase, and the team scorecard."""

from __future__ import annotations

import argparse

import pandas as pd

from features.contract import data_end, value_column
from features.kpis import KPI_NAMES, build_kpi_panel
from models.figures import png_bytes
from models.io import write_bytes, write_csv, write_json
from models.kpi.figures import shap_summary_figure
from models.kpi.outcome import build_outcome
from models.kpi.phases import fit_phases, phases_table
from models.kpi.scorecard import build_scorecard, scorecard_directions
from models.kpi.summary import run_summary
from pipelines import outputs
from pipelines.inputs import read_prepared
from pipelines.params import load_params
from pipelines.params.kpi_weights import parse_kpi_weights
from pipelines.tracking import log_run


def main() -> None:
    """Run the stage with params.yaml."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default="params.yaml")
    params = load_params(parser.parse_args().params)
    cfg, paths = parse_kpi_weights(params.section("kpi_weights"), params.seed), params.paths
    data = read_prepared(paths.prepared)
    end, cltv_path = data_end(data), outputs.CUSTOMER_CLTV.path(paths)
    predictions = pd.read_parquet(cltv_path) if cltv_path.exists() else None
    panel = build_kpi_panel(data, end, cfg.windows)
    outcome = build_outcome(data, end, predictions, value_column(data.orders),
                            cfg.horizon_days, cfg.horizon_months)
    rows = panel.merge(outcome, on=["team", "month"], validate="one_to_one")
    kpis = [name for name in KPI_NAMES if name in panel.columns]
    models = fit_phases(rows, kpis, {"booster": cfg.booster, **cfg.model})
    model = models[cfg.phase]
    weights = model.weight_table()
    card = build_scorecard(panel[["team", "month", *kpis]],
                           dict(zip(weights["kpi"], weights["weight"], strict=True)),
                           scorecard_directions(weights), cfg.targets)
    tables = {outputs.KPI_WEIGHTS: weights, outputs.TEAM_SCORECARD: card,
              outputs.KPI_WEIGHTS_PROFILES: phases_table(models, cfg.phase)}
    for output, table in tables.items():
        write_csv(output.path(paths), table, float_format="%.4f")
    figure = shap_summary_figure(model.shap_values_, rows[kpis], model.weights_, params.seed)
    write_bytes(outputs.KPI_SHAP_SUMMARY.path(paths), png_bytes(figure))
    metrics = run_summary(models, rows, cfg.phase, predictions is not None)
    write_json(outputs.KPI_WEIGHTS_METRICS.path(paths), metrics)
    log_run(paths, "kpi_weights", cfg, metrics,
            artifacts=[*(o.path(paths) for o in tables), outputs.KPI_SHAP_SUMMARY.path(paths)])


if __name__ == "__main__":
    main()
