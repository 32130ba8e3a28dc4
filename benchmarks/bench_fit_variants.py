"""Fit variants against the worst plans of bench_peers: more starts, a weaker ridge, another prior.

A measurement, not a tune. Each world is refitted with the default options and with each
variant, planned on the point curves with the true value per lead within the same caps, and
scored on the true curves (share of the possible uplift captured), on the seeds bench_peers
reports (1-5) and on held-out seeds (6-10), default and varied worlds.

Variants: ``starts8``/``starts16`` (more random restarts of the bounded fit: a lower loss is
a better maximum-likelihood fit, so this is no tune); ``ridge0.25``/``ridge0`` (a weaker
ridge on log K and the shape); ``centre_p90`` (the ridge pulls log K towards the 90th
percentile of the channel's positive weekly spend instead of its mean: a prior that the
channel saturates later than the spend it usually sees).
Usage: python benchmarks/bench_fit_variants.py [--seeds 1 2 ... 10] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

import models.response.model as response
from features.channels import build_channel_panel
from features.contract import validate_tables
from models.allocation.plan import Constraints, channel_bounds, optimise
from models.simulation.generator import end_of_data, simulate_world
from models.simulation.truth import current_spend, plan_scorecard, spend_upper_bounds

VARIANTS: dict[str, dict[str, Any]] = {
    "default": {}, "starts8": {"n_starts": 8}, "starts16": {"n_starts": 16},
    "ridge0.25": {"ridge": 0.25}, "ridge0": {"ridge": 0.0}, "centre_p90": {}}


def p90_reference(panel: response.Panel) -> np.ndarray:
    """90th percentile of each channel's positive weekly spend (1.0 if it never spends)."""
    out = []
    for column in panel.spend.T:
        positive = column[column > 0]
        out.append(float(np.percentile(positive, 90)) if positive.size else 1.0)
    return np.array(out)


@contextmanager
def reference(function: Callable[[response.Panel], np.ndarray] | None) -> Iterator[None]:
    """Swap the fit's prior centre of log K for the duration of one fit."""
    original = response._spend_reference
    if function is not None:
        response._spend_reference = function  # type: ignore[assignment]
    try:
        yield
    finally:
        response._spend_reference = original


def world_scores(seed: int, vary: bool) -> dict[str, float]:
    """Captured share of each variant's point-curve plan in one world."""
    world = simulate_world(seed, "default", vary=vary)
    truth = world.truth
    tables = {"customers": world.customers, "orders": world.orders, "spend": world.spend,
              "leads": world.leads}
    data = validate_tables({k: v.astype(str) for k, v in tables.items()})
    panel = response.build_panel(build_channel_panel(data.spend, data.customers, data.leads,
                                                     end_of_data()), "leads")
    channels = sorted(c for c, v in truth["channels"].items() if v["paid"])
    vpu = np.array([truth["channels"][c]["value_per_lead"] for c in channels])
    current = current_spend(world.spend).reindex(channels).to_numpy()
    caps = spend_upper_bounds(world.spend).reindex(channels).to_numpy()
    bounds = channel_bounds(channels, current, caps, Constraints())
    scores = {}
    for name, change in VARIANTS.items():
        options = replace(response.FitOptions(random_state=seed), **change)
        with reference(p90_reference if name == "centre_p90" else None):
            x, _ = response.fit_joint(panel, options)
            curves = {c.channel: c for c in response.curves_from_vector(
                x, panel, options.fourier_order)}
        plan = optimise([curves[c] for c in channels], vpu, float(current.sum()), bounds,
                        incumbent=current)
        card = plan_scorecard(truth, {"plan": dict(zip(channels, plan.spend, strict=True))})
        scores[name] = round(float(card["plan"]["uplift_captured"]), 4)
    return scores


def summarise(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Mean and worst per variant, on the reported seeds (1-5) and the held-out ones (6+)."""
    out = {}
    for name in VARIANTS:
        for label, keep in (("seeds_1_5", lambda s: s <= 5), ("held_out", lambda s: s > 5)):
            values = [float(r[name]) for r in rows if keep(int(r["seed"]))]
            if values:
                out[f"{name}:{label}"] = {"mean": float(np.mean(values)),
                                          "worst": float(np.min(values))}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", nargs="+", type=int, default=list(range(1, 11)))
    parser.add_argument("--out", default="benchmarks/results/fit_variants.json")
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    for seed in args.seeds:
        for vary in (False, True):
            rows.append({"seed": seed, "varied": vary} | world_scores(seed, vary))
            print(rows[-1], flush=True)
            Path(args.out).write_text(json.dumps(
                {"rows": rows, "summary": summarise(rows)}, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
