"""Stage ``fit_response``: response curves per channel with bootstrap intervals and diagnostics."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
from rich.progress import Progress

from models.allocation.plan import current_spend, spend_upper_bounds
from models.io import write_json
from models.response.model import (
    FitOptions,
    build_panel,
    curves_from_vector,
    fit_joint,
    predict_panel,
)
from models.response.uncertainty import (
    CurveSet,
    bootstrap_curves,
    curves_to_dict,
    holdout_mape,
    parameter_intervals,
    r_squared,
)
from pipelines.params import load_params
from pipelines.stage_params import FitResponseParams


def main() -> None:
    """Run the stage with params.yaml."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default="params.yaml")
    params = load_params(parser.parse_args().params)
    cfg = FitResponseParams.parse(params.section("fit_response"), params.seed)
    panel_df = pd.read_parquet(params.paths.features / "channel_panel.parquet")
    unit = cfg.response_unit(has_leads=bool(panel_df["leads"].sum() > 0))
    panel = build_panel(panel_df, unit)
    options = FitOptions(fourier_order=cfg.fourier_order, n_starts=cfg.n_starts,
                         random_state=params.seed)
    x, _ = fit_joint(panel, options)
    with Progress(transient=True) as progress:
        task = progress.add_task("bootstrap refits", total=cfg.n_bootstrap)
        draws = bootstrap_curves(panel, x, options, cfg.n_bootstrap, cfg.block_weeks,
                                 progress=lambda i: progress.update(task, completed=i))
    curves = CurveSet(unit, curves_from_vector(x, panel, cfg.fourier_order), draws)
    paid_spend = panel_df.loc[panel_df["paid"], ["week", "channel", "spend"]]
    extra = {"window": [str(panel.weeks[0].date()), str(panel.weeks[-1].date())],
             "current_weekly_spend": current_spend(paid_spend).to_dict(),
             "history_cap": spend_upper_bounds(paid_spend).to_dict()}
    write_json(params.paths.models / "response" / "curves.json", curves_to_dict(curves, extra))
    fitted = predict_panel(x, panel, cfg.fourier_order)
    mape = holdout_mape(panel, options, cfg.holdout_weeks)
    diagnostics = {c: {"r2": float(r2), "holdout_mape": float(m)} for c, r2, m in
                   zip(panel.channels, r_squared(panel.response, fitted), mape, strict=True)}
    write_json(Path(params.paths.metrics) / "response.json",
               {"response_unit": unit, "channels": diagnostics,
                "intervals_90": parameter_intervals(curves)})


if __name__ == "__main__":
    main()
