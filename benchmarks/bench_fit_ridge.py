"""Does the response fit's ridge cause the worst plan of bench_peers? A measurement, not a tune.

The fit's weak ridge pulls log K towards the channel's mean positive spend and the Hill shape
towards 1.5. On varied world 4 the plan under-funds a channel whose optimum is at its cap;
this refits every world with the default ridge and a weaker one, plans on the point curves
with the true value per lead, and scores on the true curves: on the seeds bench_peers
reports (1-5) and on held-out seeds (6-10).
Usage: python benchmarks/bench_fit_ridge.py [--ridges 1.0 0.1] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from features.channels import build_channel_panel
from features.contract import validate_tables
from models.allocation.plan import Bounds, Constraints, channel_bounds, optimise
from models.response.model import FitOptions, Panel, build_panel, curves_from_vector, fit_joint
from models.simulation.generator import simulate_world
from models.simulation.tables import end_of_data
from models.simulation.truth import current_spend, plan_scorecard, spend_upper_bounds


@dataclass(frozen=True)
class PlanningWorld:
    """A simulated world ready to fit and plan: its truth, weekly panel, channels and bounds."""

    truth: dict[str, Any]
    panel: Panel
    channels: list[str]
    value_per_lead: np.ndarray
    current: np.ndarray
    bounds: Bounds


def planning_world(seed: int, vary: bool) -> PlanningWorld:
    """Simulate one default-scale world and set up its plan: true values, current mix, caps."""
    world = simulate_world(seed, "default", vary=vary)
    truth = world.truth
    tables = {"customers": world.customers, "orders": world.orders, "spend": world.spend,
              "leads": world.leads}
    data = validate_tables({k: v.astype(str) for k, v in tables.items()})
    panel = build_panel(build_channel_panel(data.spend, data.customers, data.leads,
                                            end_of_data()), "leads")
    channels = sorted(c for c, v in truth["channels"].items() if v["paid"])
    vpu = np.array([truth["channels"][c]["value_per_lead"] for c in channels])
    current = current_spend(world.spend).reindex(channels).to_numpy()
    caps = spend_upper_bounds(world.spend).reindex(channels).to_numpy()
    return PlanningWorld(truth, panel, channels, vpu, current,
                         channel_bounds(channels, current, caps, Constraints()))


def share_of(world: PlanningWorld, x: np.ndarray, fourier_order: int) -> float:
    """Plan on the point curves of the parameter vector ``x``; score it on the true curves."""
    curves = {c.channel: c for c in curves_from_vector(x, world.panel, fourier_order)}
    plan = optimise([curves[c] for c in world.channels], world.value_per_lead,
                    float(world.current.sum()), world.bounds, incumbent=world.current)
    card = plan_scorecard(world.truth,
                          {"plan": dict(zip(world.channels, plan.spend, strict=True))})
    return float(card["plan"]["uplift_captured"])


def captured_share(world: PlanningWorld, options: FitOptions) -> float:
    """Fit with ``options``, plan on the point curves, score the plan on the true curves."""
    x, _ = fit_joint(world.panel, options)
    return share_of(world, x, options.fourier_order)


def captured(seed: int, vary: bool, ridges: list[float]) -> dict[str, float]:
    """Share of the possible uplift each ridge's point-curve plan captures in one world."""
    world = planning_world(seed, vary)
    return {f"ridge_{ridge:g}": captured_share(world, FitOptions(random_state=seed, ridge=ridge))
            for ridge in ridges}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ridges", nargs="+", type=float, default=[1.0, 0.1])
    parser.add_argument("--out", default="benchmarks/results/fit_ridge.json")
    args = parser.parse_args()
    results: dict[str, object] = {"ridges": args.ridges}
    for name, seeds in (("benchmark_seeds", [1, 2, 3, 4, 5]), ("held_out_seeds", [6, 7, 8, 9, 10])):
        rows = [{"seed": s, "varied": v, **captured(s, v, args.ridges)}
                for s in seeds for v in (False, True)]
        keys = [f"ridge_{r:g}" for r in args.ridges]
        summary = {k: {"mean": float(np.mean([r[k] for r in rows])),
                       "worst": float(np.min([r[k] for r in rows]))} for k in keys}
        results[name] = {"runs": rows, "summary": summary}
        Path(args.out).write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
        print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
