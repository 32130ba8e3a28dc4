"""Plan quality and curve recovery against the simulator's truth, over seeds and world variants.

For each seed, the default world and a varied world (curve shapes, seasonality strength and
channel economics redrawn) are simulated at default scale, curves are fitted with bootstrap
intervals, and the value-maximising plan (true value per lead) is scored on the true curves.
Usage: python benchmarks/bench_allocation_truth.py [--seeds 1 2 3 4 5] [--bootstrap 30]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from models.simulation.recovery import check_recovery


def summarise(rows: list[dict[str, object]]) -> dict[str, object]:
    captured = [float(r["uplift_captured"]) for r in rows]  # type: ignore[arg-type]
    regret = [float(r["regret"]) for r in rows]  # type: ignore[arg-type]
    half = [v for r in rows for v in r["half_saturation_covered"].values()]  # type: ignore[union-attr]
    theta = [v for r in rows for v in r["theta_covered"].values()]  # type: ignore[union-attr]
    return {"uplift_captured_mean": float(np.mean(captured)),
            "uplift_captured_worst": float(np.min(captured)),
            "regret_mean": float(np.mean(regret)), "regret_worst": float(np.max(regret)),
            "half_saturation_coverage": float(np.mean(half)),
            "theta_coverage": float(np.mean(theta))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3, 4, 5])
    parser.add_argument("--bootstrap", type=int, default=30)
    parser.add_argument("--out", default="benchmarks/results/allocation_truth.json")
    args = parser.parse_args()
    results: dict[str, object] = {"bootstrap": args.bootstrap, "seeds": args.seeds}
    for vary in (False, True):
        rows = []
        for seed in args.seeds:
            started = time.perf_counter()
            r = check_recovery(seed, vary, args.bootstrap)
            rows.append({"seed": seed, **r.scorecard["plan"],
                         "lead_volume_regret": r.scorecard["lead_volume_plan"]["regret"],
                         "current_regret": r.scorecard["current_mix"]["regret"],
                         "half_saturation_covered": r.half_saturation_covered,
                         "theta_covered": r.theta_covered,
                         "seconds": round(time.perf_counter() - started, 1)})
            print(json.dumps(rows[-1]), flush=True)
        key = "varied_worlds" if vary else "default_world"
        results[key] = {"summary": summarise(rows), "runs": rows}
    Path(args.out).write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
