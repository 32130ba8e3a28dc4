"""How much does a plan move when the response fit's data moves by a rounding error?

Each world's weekly lead counts are multiplied by ``1 + 1e-12 * N(0, 1)``, a change of the
size two CPUs' floating-point paths can make, and the curves are refitted and replanned
(point curves, true value per lead, the caps of bench_peers), then scored on the true curves.
The difference between the two plans' captured shares is what a per-world figure of
bench_peers can move between machines.

With ``--polished`` the same is measured for a polished fit: the default fit, then L-BFGS-B
again from the best start to tolerances near machine precision (``POLISH``). A measurement
of an alternative, not what ``fit_response`` does; it costs up to ~17 s a fit.
Usage: python benchmarks/bench_fit_stability.py [--seeds 1 ... 10] [--polished] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize

import models.response.model as response
from models.io import write_json

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_fit_ridge import PlanningWorld, planning_world, share_of  # not a package

POLISH = {"maxiter": 20_000, "maxfun": 50_000, "ftol": 1e-15, "gtol": 1e-10}
WIGGLE = 1e-12
Fit = Callable[[response.Panel, response.FitOptions], tuple[np.ndarray, float]]


def polished_fit(panel: response.Panel, options: response.FitOptions) -> tuple[np.ndarray, float]:
    """The default fit, then L-BFGS-B from its result to tight tolerances."""
    x, loss = response.fit_joint(panel, options)
    design = response.demand_design(panel.weeks, options.fourier_order)
    layout = response._Layout(n_demand=design.shape[1], paid=panel.paid)
    args = (panel, design, layout, options.ridge, np.log(response._spend_reference(panel)))
    result = minimize(response._objective, x, args=args, method="L-BFGS-B", jac=True,
                      bounds=response._bounds(panel, layout), options=POLISH)
    return (np.asarray(result.x), float(result.fun)) if result.fun <= loss else (x, loss)


def compare(world: PlanningWorld, fit: Fit, options: response.FitOptions) -> dict[str, float]:
    """Fit and plan on the world and on its wiggled twin; shares, their gap, loss, seconds."""
    rng = np.random.default_rng(options.random_state)
    wiggled = replace(world, panel=replace(world.panel, response=world.panel.response * (
        1.0 + WIGGLE * rng.standard_normal(world.panel.response.shape))))
    started = time.perf_counter()
    x, loss = fit(world.panel, options)
    seconds = time.perf_counter() - started
    x_wiggled, _ = fit(wiggled.panel, options)
    share = share_of(world, x, options.fourier_order)
    share_wiggled = share_of(wiggled, x_wiggled, options.fourier_order)
    return {"captured": share, "captured_wiggled": share_wiggled,
            "gap": abs(share - share_wiggled), "loss": loss, "seconds": seconds,
            "max_parameter_change": float(np.max(np.abs(x - x_wiggled)))}


def summarise(rows: list[dict[str, Any]], names: list[str]) -> dict[str, dict[str, float]]:
    """Per fit: mean and worst captured share, mean and largest gap, median seconds."""
    out = {}
    for name in names:
        shares = np.array([r[name]["captured"] for r in rows])
        gaps = np.array([r[name]["gap"] for r in rows])
        out[name] = {"mean": float(shares.mean()), "worst": float(shares.min()),
                     "mean_gap": float(gaps.mean()), "max_gap": float(gaps.max()),
                     "worlds_gap_over_0.01": int((gaps > 0.01).sum()),
                     "median_seconds": float(np.median([r[name]["seconds"] for r in rows])),
                     "max_seconds": float(np.max([r[name]["seconds"] for r in rows]))}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", nargs="+", type=int, default=list(range(1, 11)))
    parser.add_argument("--polished", action="store_true", help="also measure a polished fit")
    parser.add_argument("--out", default="benchmarks/results/fit_stability.json")
    args = parser.parse_args()
    fits: dict[str, Fit] = {"default": response.fit_joint}
    if args.polished:
        fits["polished"] = polished_fit
    rows: list[dict[str, Any]] = []
    payload: dict[str, Any] = {}
    for seed in args.seeds:
        for vary in (False, True):
            world = planning_world(seed, vary)
            options = response.FitOptions(random_state=seed)
            rows.append({"seed": seed, "varied": vary}
                        | {name: compare(world, fit, options) for name, fit in fits.items()})
            print(json.dumps({k: rows[-1][k] for k in ("seed", "varied")}
                             | {n: round(rows[-1][n]["gap"], 4) for n in fits}), flush=True)
            payload = {"settings": {"seeds": args.seeds, "wiggle": WIGGLE, "polish": POLISH,
                                    "fits": list(fits)},
                       "rows": rows, "summary": summarise(rows, list(fits))}
            write_json(args.out, payload)  # after every world: a crash loses nothing
    print(json.dumps(payload["summary"], indent=1))


if __name__ == "__main__":
    main()
