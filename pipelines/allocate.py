"""Stage ``allocate``: the value-maximising weekly plan, the budget frontier and truth checks."""

from __future__ import annotations

import argparse

import numpy as np

from models.allocation.plan import Constraints, budget_frontier
from models.allocation.planning import make_plan, plan_metrics, target_budgets
from models.allocation.targets import marked_frontier
from models.io import read_json, write_csv, write_json
from models.simulation.truth import score_plans
from pipelines import outputs
from pipelines.inputs.planning import load_planning_inputs
from pipelines.params import load_params
from pipelines.params.allocate import parse_allocate


def main() -> None:
    """Run the stage with params.yaml."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default="params.yaml")
    params = load_params(parser.parse_args().params)
    cfg, paths = parse_allocate(params.section("allocate")), params.paths
    inputs = load_planning_inputs(paths, params.seed)
    targets = target_budgets(inputs, Constraints(), cfg.target_value, cfg.target_roi)
    budget = cfg.budget if cfg.budget is not None else float(inputs.current.sum())
    budget = next(iter(targets.values()), budget)  # a target sets the budget
    plan = make_plan(inputs, budget, Constraints(), risk_aversion=cfg.risk_aversion)
    write_csv(outputs.BUDGET_ALLOCATION.path(paths), plan.table, float_format="%.10g")
    budgets = budget * np.linspace(cfg.frontier_min, cfg.frontier_max, cfg.frontier_points)
    curves = [inputs.curves.channel(c) for c in inputs.channels]
    frontier = marked_frontier(budget_frontier(curves, inputs.value_per_unit, plan.bounds,
                                               budgets),
                               curves, inputs.value_per_unit, plan.bounds, targets)
    write_csv(outputs.BUDGET_FRONTIER.path(paths), frontier, float_format="%.10g")
    metrics = plan_metrics(plan, budget, targets)
    truth_path = params.data_dir / "truth.json"
    if truth_path.exists():  # a simulated world: score the plans on the true curves
        spend = dict(zip(inputs.channels, plan.result.spend, strict=True))
        metrics["truth"] = score_plans(read_json(truth_path), inputs, spend)
    write_json(outputs.ALLOCATION_METRICS.path(paths), metrics)


if __name__ == "__main__":
    main()
