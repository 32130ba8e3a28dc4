"""Why the worst plans of bench_peers under-fund a channel: bias of the fit, or noise of the world?

On varied worlds 4 and 7 the plan under-funds ``linkedin_ads``, whose true optimum is near
its cap, because the fitted curve saturates early. This keeps each world's spend and true
curves and redraws only the weekly lead counts (the simulator's negative binomial around
the true expectation), then fits the curves on every redraw exactly as ``fit_response``
does. If the fits' response at the cap centres on the truth, the realised world's shortfall
is sampling noise, not a bias of the method. Each redraw's 30 bootstrap refits give a 90%
interval of that response: their coverage of the truth says whether the bootstrap, which
the risk-averse plan and the plan's bands rely on, measures that noise. Each redraw is also
planned as bench_peers plans (point curves, true value per lead, the same caps) and scored
on the true curves: the spread of the captured share is what one world's figure can show.

The realised world is the simulator's own draw of the counts (the same counts the leads
table holds), fitted on the weekly count panel.
Usage: python benchmarks/bench_curve_noise.py [--redraws 20] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models.io import write_json
from models.response.model import FitOptions, Panel, curves_from_vector, fit_joint
from models.response.uncertainty import bootstrap_curves
from models.simulation.generator import (
    draw_lead_counts,
    expected_lead_counts,
    simulate_spend,
    world_for,
)
from models.simulation.truth import spend_upper_bounds
from models.simulation.world import SCALES, Scale, draw_team_effects

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_fit_ridge import PlanningWorld, planning_world, share_of  # benchmarks/ is not a package

CASES = ((4, True, "linkedin_ads"), (7, True, "linkedin_ads"))


def world_arrays(seed: int, vary: bool) -> tuple[Any, pd.DataFrame, np.ndarray, np.ndarray]:
    """Return the world, its spend, the true expected counts and the realised counts.

    The random streams are drawn in the order ``simulate_lead_truth`` draws them, so the
    realised counts are the world's own.
    """
    world = world_for(seed, vary)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(6)]
    draw_team_effects(streams[0], SCALES[Scale.DEFAULT].n_teams)
    spend = simulate_spend(streams[1], world)
    expected = expected_lead_counts(spend, SCALES[Scale.DEFAULT].lead_multiplier, world)
    return world, spend, expected, draw_lead_counts(streams[2], expected).astype(np.float64)


def count_panel(world: Any, spend: pd.DataFrame, counts: np.ndarray) -> Panel:
    """The weekly panel ``fit_response`` builds, from spend and per-channel lead counts."""
    wide = spend.pivot(index="week", columns="channel", values="spend")
    names = [s.name for s in world.channels]
    paid = np.array([s.paid for s in world.channels])
    columns = [wide[n].to_numpy() if p else np.zeros(len(wide)) for n, p in zip(names, paid,
                                                                              strict=True)]
    return Panel(weeks=pd.DatetimeIndex(wide.index), channels=names, paid=paid,
                 spend=np.column_stack(columns), response=counts)


def media_at(panel: Panel, x: np.ndarray, channel: str, spend: float) -> float:
    """Fitted weekly leads bought by ``spend`` (the curve minus its base), at average demand."""
    curve = curves_from_vector(x, panel, FitOptions().fourier_order)[panel.channels.index(channel)]
    return float(curve.response(spend) - curve.base)


def fit_and_interval(panel: Panel, channel: str, cap: float, seed: int, n_boot: int,
                     world: PlanningWorld) -> dict[str, float]:
    """Point fit, bootstrap 90% interval of the leads bought at the cap, and the plan's share."""
    options = FitOptions(random_state=seed)
    x, _ = fit_joint(panel, options)
    draws = bootstrap_curves(panel, x, options, n_boot)
    index = panel.channels.index(channel)
    boot = np.array([float(d[index].response(cap) - d[index].base) for d in draws])
    low, high = np.percentile(boot, [5, 95])
    return {"point": media_at(panel, x, channel, cap), "boot_low": float(low),
            "boot_high": float(high), "boot_sd": float(boot.std()),
            "captured": share_of(replace(world, panel=panel), x, options.fourier_order)}


def run_case(seed: int, vary: bool, channel: str, redraws: int, n_boot: int) -> dict[str, Any]:
    """The realised fit and ``redraws`` fits on fresh counts of the same world."""
    world, spend, expected, realised = world_arrays(seed, vary)
    planning = planning_world(seed, vary)  # truth, values, today's mix and caps
    spec = next(s for s in world.channels if s.name == channel)
    cap = float(spend_upper_bounds(spend)[channel])
    at_cap = float(spec.max_leads * cap**spec.hill_shape
                  / (cap**spec.hill_shape + spec.half_saturation**spec.hill_shape))
    real = fit_and_interval(count_panel(world, spend, realised), channel, cap, seed, n_boot,
                            planning)
    rows = []
    for r in range(redraws):
        counts = draw_lead_counts(np.random.default_rng([seed, 97, r]), expected)
        rows.append(fit_and_interval(count_panel(world, spend, counts.astype(np.float64)),
                                     channel, cap, seed, n_boot, planning))
        print(f"seed {seed} redraw {r + 1}/{redraws}", flush=True)
    points = np.array([x["point"] for x in rows])
    covered = [x["boot_low"] <= at_cap <= x["boot_high"] for x in rows]
    shares = np.array([x["captured"] for x in rows])
    return {
        "seed": seed, "varied": vary, "channel": channel, "cap": cap,
        "true_leads_at_cap": at_cap,
        "true_shape": spec.hill_shape, "true_half_saturation": spec.half_saturation,
        "spend_p90": float(np.percentile(spend.loc[spend["channel"] == channel, "spend"], 90)),
        "realised": real | {"z_against_redraws": float((real["point"] - points.mean())
                                                         / points.std(ddof=1))},
        "redraws": {"n": redraws, "mean": float(points.mean()), "median": float(np.median(points)),
                    "sd": float(points.std(ddof=1)), "min": float(points.min()),
                    "max": float(points.max()),
                    "mean_bootstrap_sd": float(np.mean([x["boot_sd"] for x in rows])),
                    "bootstrap_90_coverage": float(np.mean(covered)),
                    "captured": {"mean": float(shares.mean()), "median": float(np.median(shares)),
                                 "min": float(shares.min()), "max": float(shares.max()),
                                 "below_0.90": int((shares < 0.90).sum())}},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--redraws", type=int, default=20)
    parser.add_argument("--bootstrap", type=int, default=30)
    parser.add_argument("--out", default="benchmarks/results/curve_noise.json")
    args = parser.parse_args()
    cases = [run_case(seed, vary, channel, args.redraws, args.bootstrap)
             for seed, vary, channel in CASES]
    payload = {"settings": {"redraws": args.redraws, "bootstrap": args.bootstrap,
                            "cases": [list(c) for c in CASES]}, "cases": cases}
    write_json(args.out, payload)
    print(json.dumps([{k: c[k] for k in ("seed", "true_leads_at_cap", "realised", "redraws")}
                      for c in cases], indent=1))


if __name__ == "__main__":
    main()
