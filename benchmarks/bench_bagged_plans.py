"""Plans that use the bootstrap draws against the point-curve plan: a measurement, not a tune.

Issue 15 names "bootstrap-averaged plans instead of a plan on point estimates" as a way to
stop the plan under-funding a channel whose curve the data pin down poorly. For each world
this fits the curves with 30 block-bootstrap refits (as ``fit_response`` does) and plans with
the true value per lead within the same caps, three ways:
- ``point``: on the point curves (what ``allocate`` does);
- ``bagged``: on every bootstrap curve set, then the plans averaged (an average of feasible
  plans is feasible: the budget and the bounds are linear);
- ``mean_curves``: on each channel's mean response over the bootstrap draws, i.e. the plan
  with the highest expected value if the draws stand for what the curves may be.
Each is scored on the true curves (share of the possible uplift captured). Seeds 1-5 are the
ones bench_peers reports; 6-10 are held out.
Usage: python benchmarks/bench_bagged_plans.py [--seeds 1 2 ... 10] [--out FILE]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

from models.allocation.optimizer import maximise_allocation
from models.allocation.plan import optimise
from models.io import write_json
from models.response.model import FitOptions, curves_from_vector, fit_joint
from models.response.uncertainty import bootstrap_curves
from models.simulation.truth import plan_scorecard

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_fit_ridge import planning_world  # benchmarks/ is not a package

N_BOOTSTRAP = 30
PLANS = ("point", "bagged", "mean_curves")


def world_row(seed: int, vary: bool) -> dict[str, Any]:
    """Captured share of the point-curve plan and of the averaged bootstrap plans."""
    world = planning_world(seed, vary)
    options = FitOptions(random_state=seed)
    x, _ = fit_joint(world.panel, options)
    budget = float(world.current.sum())

    def plan(curves: list[Any], certify: bool) -> np.ndarray:
        by_name = {c.channel: c for c in curves}
        return optimise([by_name[c] for c in world.channels], world.value_per_lead, budget,
                        world.bounds, incumbent=world.current if certify else None,
                        certify=certify).spend

    point = plan(curves_from_vector(x, world.panel, options.fourier_order), True)
    draws = bootstrap_curves(world.panel, x, options, N_BOOTSTRAP)
    by_draw = [{c.channel: c for c in draw} for draw in draws]
    plans = {"point": point,
             "bagged": np.mean([plan(draw, False) for draw in draws], axis=0),
             "mean_curves": maximise_allocation(
                 [lambda s, c=c, v=v: v * np.mean([d[c].response(s) for d in by_draw], axis=0)
                  for c, v in zip(world.channels, world.value_per_lead, strict=True)],
                 budget, world.bounds.lower, world.bounds.upper, incumbent=world.current,
                 certify=False).spend}
    card = plan_scorecard(world.truth, {name: dict(zip(world.channels, spend, strict=True))
                                        for name, spend in plans.items()})
    return {"seed": seed, "varied": vary} | {
        name: round(float(card[name]["uplift_captured"]), 4) for name in PLANS} | {
        "spend": {c: {name: round(float(plans[name][i])) for name in PLANS}
                  for i, c in enumerate(world.channels)}}


def summarise(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Mean and worst of each plan, on the reported seeds (1-5), the held-out ones and all."""
    out = {}
    for name in PLANS:
        for label, keep in (("seeds_1_5", lambda s: s <= 5), ("held_out", lambda s: s > 5),
                            ("all", lambda s: True)):
            values = [float(r[name]) for r in rows if keep(int(r["seed"]))]
            if values:
                out[f"{name}:{label}"] = {"mean": float(np.mean(values)),
                                          "worst": float(np.min(values)), "worlds": len(values)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", nargs="+", type=int, default=list(range(1, 11)))
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/bagged_plans.json"))
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    for seed in args.seeds:
        for vary in (False, True):
            rows.append(world_row(seed, vary))
            print({k: rows[-1][k] for k in ("seed", "varied", *PLANS)}, flush=True)
            write_json(args.out, {"bootstrap": N_BOOTSTRAP, "rows": rows,
                                  "summary": summarise(rows)})


if __name__ == "__main__":
    main()
