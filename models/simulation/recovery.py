"""Ground-truth checks: how well fitted curves and plans recover a simulated world's truth."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from features.channels import build_channel_panel
from features.contract import validate_tables
from models.allocation.plan import Constraints, channel_bounds, optimise
from models.response.model import FitOptions, build_panel, curves_from_vector, fit_joint
from models.response.uncertainty import CurveSet, bootstrap_curves, parameter_intervals
from models.simulation.generator import simulate_world
from models.simulation.tables import end_of_data
from models.simulation.truth import current_spend, plan_scorecard, spend_upper_bounds


@dataclass(frozen=True)
class RecoveryResult:
    """Plan quality on the true curves and whether truth sits inside the 90% intervals."""

    seed: int
    varied: bool
    scorecard: dict[str, Any]
    half_saturation_covered: dict[str, bool]
    theta_covered: dict[str, bool]


def fit_world_curves(
    world_tables: dict[str, pd.DataFrame], options: FitOptions, n_bootstrap: int
) -> CurveSet:
    """Validate tables, build the weekly panel and fit curves with bootstrap draws."""
    dataset = validate_tables({k: v.astype(str) for k, v in world_tables.items()})
    panel_df = build_channel_panel(dataset.spend, dataset.customers, dataset.leads, end_of_data())
    panel = build_panel(panel_df, "leads")
    x, _ = fit_joint(panel, options)
    draws = bootstrap_curves(panel, x, options, n_bootstrap)
    return CurveSet("leads", curves_from_vector(x, panel, options.fourier_order), draws)


def check_recovery(seed: int, vary: bool, n_bootstrap: int = 30) -> RecoveryResult:
    """Simulate a default-scale world, fit it, plan with true value per lead, score on truth.

    Value per lead comes from the truth, so this isolates the response curves and the
    optimiser from the CLTV and conversion models.
    """
    world = simulate_world(seed, "default", vary=vary)
    tables = {"customers": world.customers, "orders": world.orders, "spend": world.spend,
              "leads": world.leads}
    curves = fit_world_curves(tables, FitOptions(random_state=seed), n_bootstrap)
    truth = world.truth
    channels = sorted(c for c, v in truth["channels"].items() if v["paid"])
    vpu = np.array([truth["channels"][c]["value_per_lead"] for c in channels])
    current = current_spend(world.spend).reindex(channels).to_numpy()
    caps = spend_upper_bounds(world.spend).reindex(channels).to_numpy()
    bounds = channel_bounds(channels, current, caps, Constraints())
    fitted = [curves.channel(c) for c in channels]
    plan = optimise(fitted, vpu, float(current.sum()), bounds, incumbent=current)
    volume = optimise(fitted, np.ones(len(channels)), float(current.sum()), bounds)
    scorecard = plan_scorecard(truth, {
        "plan": dict(zip(channels, plan.spend, strict=True)),
        "lead_volume_plan": dict(zip(channels, volume.spend, strict=True)),
        "current_mix": dict(zip(channels, current, strict=True))})
    intervals = parameter_intervals(curves)
    return RecoveryResult(
        seed=seed, varied=vary, scorecard=scorecard,
        half_saturation_covered=_covered(intervals, truth, "half_saturation", "half_saturation"),
        theta_covered=_covered(intervals, truth, "theta", "adstock_theta"))


def _covered(
    intervals: dict[str, dict[str, list[float]]], truth: dict[str, Any], fitted: str, true: str
) -> dict[str, bool]:
    return {c: bool(iv[fitted][0] <= truth["channels"][c][true] <= iv[fitted][1])
            for c, iv in intervals.items()}
