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
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

import models.response.model as response

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_fit_ridge import captured_share, planning_world  # benchmarks/ is not a package

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
    world = planning_world(seed, vary)
    scores = {}
    for name, change in VARIANTS.items():
        options = replace(response.FitOptions(random_state=seed), **change)
        with reference(p90_reference if name == "centre_p90" else None):
            scores[name] = round(captured_share(world, options), 4)
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
