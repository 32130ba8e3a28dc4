"""End-to-end time of `channelwise allocate` (process start to CSV) for 10 and 50 channels.

Synthetic artefacts (random S- and C-shaped curves with bootstrap draws, channel CLTV and
P(convert)) are written to a temp dir; the command runs in a fresh process each time.
Usage: python benchmarks/bench_allocation.py [--channels 10 50] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from models.io import write_json
from models.response.model import ChannelCurve
from models.response.uncertainty import CurveSet, curves_to_dict


def write_artefacts(root: Path, n_channels: int, n_bootstrap: int, seed: int = 0) -> float:
    """Write curves.json, channel CLTV/P(convert) and params.yaml; return the period budget."""
    rng = np.random.default_rng(seed)
    names = [f"channel_{i:02d}" for i in range(n_channels)]
    half = rng.uniform(2_000, 20_000, n_channels)
    curves = [ChannelCurve(n, True, float(rng.uniform(1, 20)), float(rng.uniform(20, 300)),
                           float(k), float(rng.uniform(0.8, 3.0)), float(rng.uniform(0, 0.7)))
              for n, k in zip(names, half, strict=True)]
    draws = [[ChannelCurve(**{**c.__dict__, "max_response": c.max_response * f}) for c in curves]
             for f in rng.lognormal(0, 0.1, n_bootstrap)]
    current = dict(zip(names, (half * rng.uniform(0.3, 1.5, n_channels)).tolist(), strict=True))
    extra = {"current_weekly_spend": current, "history_cap": {n: 4 * v for n, v in current.items()},
             "window": ["2023-01-02", "2025-12-22"]}
    write_json(root / "models" / "response" / "curves.json",
               curves_to_dict(CurveSet("leads", curves, draws), extra))
    (root / "predictions").mkdir()
    pd.DataFrame({"channel": names, "cltv_mean": rng.uniform(300, 5_000, n_channels),
                  "p_convert": rng.uniform(0.03, 0.4, n_channels)}).to_csv(
        root / "predictions" / "channel_cltv.csv", index=False)
    shutil.copy(root / "predictions" / "channel_cltv.csv",
                root / "predictions" / "channel_conversion.csv")
    params = yaml.safe_load(Path("params.yaml").read_text())
    params["paths"] |= {"models": str(root / "models"), "predictions": str(root / "predictions")}
    (root / "params.yaml").write_text(yaml.safe_dump(params))
    return 13 * sum(current.values())


def time_command(root: Path, budget: float, repeat: int) -> list[float]:
    exe = Path(sys.executable).with_name("channelwise")
    cmd = [str(exe), "allocate", "--budget", f"{budget:.2f}", "--params", str(root / "params.yaml"),
           "--out", str(root / "plan.csv")]
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--channels", nargs="+", type=int, default=[10, 50])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--bootstrap", type=int, default=30)
    parser.add_argument("--out", default="benchmarks/results/allocation.json")
    args = parser.parse_args()
    results: dict[str, object] = {"targets_s": {"10": 2.0, "50": 10.0}, "repeat": args.repeat}
    for n in args.channels:
        with tempfile.TemporaryDirectory() as tmp:
            budget = write_artefacts(Path(tmp), n, args.bootstrap)
            times = time_command(Path(tmp), budget, args.repeat)
            plan = pd.read_csv(Path(tmp) / "plan.csv")
        results[str(n)] = {"median_s": round(statistics.median(times), 3),
                           "max_s": round(max(times), 3),
                           "budget_error": float(abs(plan["recommended_weekly_spend"].sum()
                                                     - budget / 13) / (budget / 13))}
        print(n, results[str(n)], flush=True)
    Path(args.out).write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
