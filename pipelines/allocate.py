"""Stage ``allocate``: the value-maximising weekly plan, the budget frontier and truth checks."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from models.allocation.plan import Constraints, budget_frontier
from models.io import read_json, write_csv, write_json
from models.simulation.truth import plan_scorecard
from pipelines.params import load_params
from pipelines.planning import PlanningInputs, load_planning_inputs, make_plan
from pipelines.stage_params import AllocateParams


def truth_metrics(
    inputs: PlanningInputs, plan: dict[str, float], truth_path: Path
) -> dict[str, Any]:
    """Score the plan, the lead-volume plan (fitted curves) and the current mix on true curves."""
    if not truth_path.exists():
        return {}
    budget = float(inputs.current.sum())
    volume = make_plan(inputs, budget, Constraints(), value_per_unit=np.ones(len(inputs.channels)))
    plans = {
        "plan": plan,
        "lead_volume_plan": dict(zip(inputs.channels, volume.result.spend, strict=True)),
        "current_mix": dict(zip(inputs.channels, inputs.current, strict=True)),
    }
    return {"truth": plan_scorecard(read_json(truth_path), plans)}


def main() -> None:
    """Run the stage with params.yaml."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default="params.yaml")
    params = load_params(parser.parse_args().params)
    cfg = AllocateParams.parse(params.section("allocate"))
    inputs = load_planning_inputs(params.paths.models, params.paths.predictions, params.seed)
    budget = cfg.budget if cfg.budget is not None else float(inputs.current.sum())
    plan = make_plan(inputs, budget, Constraints())
    write_csv(params.paths.reports / "budget_allocation.csv", plan.table, float_format="%.10g")
    budgets = budget * np.linspace(cfg.frontier_min, cfg.frontier_max, cfg.frontier_points)
    curves = [inputs.curves.channel(c) for c in inputs.channels]
    frontier = budget_frontier(curves, inputs.value_per_unit, plan.bounds, budgets)
    write_csv(params.paths.reports / "budget_frontier.csv", frontier, float_format="%.10g")
    spend = dict(zip(inputs.channels, plan.result.spend, strict=True))
    metrics = {
        "weekly_budget": budget,
        "expected_value": plan.result.value,
        "current_value": plan.current_value,
        "certificate_gap": plan.result.gap,
        "upper_bound": plan.result.upper_bound,
        "p_plan_beats_current": plan.p_beats_current,
        **truth_metrics(inputs, spend, params.data_dir / "truth.json"),
    }
    write_json(params.paths.metrics / "allocation.json", metrics)


if __name__ == "__main__":
    main()
