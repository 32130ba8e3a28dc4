"""Stage ``fit_response``: response curves per channel with bootstrap intervals and diagnostics."""

from __future__ import annotations

import argparse

import pandas as pd
from rich.progress import Progress

from models.allocation.plan import current_spend, spend_upper_bounds
from models.io import write_json
from models.metrics import r_squared
from models.response import model as response
from models.response.uncertainty import (
    CurveSet,
    bootstrap_curves,
    curves_to_dict,
    holdout_mape,
    parameter_intervals,
)
from pipelines import outputs
from pipelines.params import load_params
from pipelines.params.fit_response import parse_fit_response


def main() -> None:
    """Run the stage with params.yaml."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default="params.yaml")
    params = load_params(parser.parse_args().params)
    cfg, paths = parse_fit_response(params.section("fit_response"), params.seed), params.paths
    panel_df = pd.read_parquet(outputs.CHANNEL_PANEL.path(paths))
    unit = cfg.response_unit(has_leads=bool(panel_df["leads"].sum() > 0))
    panel = response.build_panel(panel_df, unit)
    options = response.FitOptions(fourier_order=cfg.fourier_order, n_starts=cfg.n_starts,
                         random_state=params.seed)
    x, _ = response.fit_joint(panel, options)
    with Progress(transient=True) as progress:
        task = progress.add_task("bootstrap refits", total=cfg.n_bootstrap)
        draws = bootstrap_curves(panel, x, options, cfg.n_bootstrap, cfg.block_weeks,
                                 progress=lambda i: progress.update(task, completed=i))
    curves = CurveSet(unit, response.curves_from_vector(x, panel, cfg.fourier_order), draws)
    paid_spend = panel_df.loc[panel_df["paid"], ["week", "channel", "spend"]]
    extra = {"window": [str(panel.weeks[0].date()), str(panel.weeks[-1].date())],
             "current_weekly_spend": current_spend(paid_spend).to_dict(),
             "history_cap": spend_upper_bounds(paid_spend).to_dict()}
    write_json(outputs.RESPONSE_CURVES.path(paths), curves_to_dict(curves, extra))
    fitted = response.predict_panel(x, panel, cfg.fourier_order)
    mape = holdout_mape(panel, options, cfg.holdout_weeks)
    diagnostics = {c: {"r2": float(r2), "holdout_mape": float(m)} for c, r2, m in
                   zip(panel.channels, r_squared(panel.response, fitted), mape, strict=True)}
    write_json(outputs.RESPONSE_METRICS.path(paths), {
        "response_unit": unit, "channels": diagnostics,
        "intervals_90": parameter_intervals(curves)})


if __name__ == "__main__":
    main()
