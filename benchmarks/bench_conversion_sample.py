"""Stage ``train_conversion`` with ``max_train_rows`` at several caps: time and loss.

Each cap runs the stage as a subprocess on the world of ``--params`` (its ``prepared`` and
``features`` paths; every output goes under ``--work/<cap>``) and records the wall time, the
peak RSS, the rows each fit trained on, the backtest's metrics (model and baseline) and the
per-channel P(convert) error against ``--truth``. Results are merged by cap into ``--out``,
so caps can be run one at a time. ``--import-run`` records a run made elsewhere (e.g. the
uncapped stage under cProfile) from its output folder instead of running it.

Usage:
  python benchmarks/bench_conversion_sample.py --params /tmp/lwp/params.yaml \
      --truth /tmp/lw/simulated/truth.json --work /tmp/lwp/sample --caps 250000 500000
  python benchmarks/bench_conversion_sample.py --params ... --truth ... \
      --import-run /tmp/lwp/full --seconds 1559 --note "uncapped, under cProfile"
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from models.conversion.training import compare_to_truth
from models.io import read_json, write_json

ROOT = Path(__file__).resolve().parents[1]
KEPT = ("roc_auc", "pr_auc", "log_loss", "ece", "brier", "lift_top_10")


def cap_params(params: Path, cap: int | None, work: Path) -> Path:
    """Write a copy of ``params`` with this cap and every output path under ``work``."""
    raw = yaml.safe_load(params.read_text())
    raw["train_conversion"]["max_train_rows"] = cap
    keep = {"prepared", "features"}
    raw["paths"] = {key: value if key in keep else str(work / key)
                    for key, value in raw["paths"].items()}
    work.mkdir(parents=True, exist_ok=True)
    path = work / "params.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def run_stage(params: Path, work: Path) -> dict[str, Any]:
    """Run the stage once; wall time, peak RSS and the load average at the start."""
    env = os.environ | {"MLFLOW_TRACKING_URI": f"sqlite:///{work}/mlflow.db",
                        "PYTHONPATH": str(ROOT)}
    load = round(os.getloadavg()[0], 2)  # other jobs share the 2 cores
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "pipelines.train_conversion",
                              "--params", str(params)], cwd=ROOT, env=env)
    _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"train_conversion failed with {params}")
    return {"seconds": round(time.perf_counter() - started, 1),
            "peak_rss_gib": round(usage.ru_maxrss / 2**20, 2),
            "load_average_1m_at_start": load}


def summarise(outputs: Path, truth: Path) -> dict[str, Any]:
    """Backtest metrics, rows trained on, chosen trees and channel error of one run."""
    metrics = read_json(outputs / "metrics" / "conversion.json")
    channels = pd.read_csv(outputs / "predictions" / "channel_conversion.csv")
    true_p = {name: value["p_convert"] for name, value in read_json(truth)["channels"].items()}
    errors = compare_to_truth(channels, true_p)
    return {
        "training_sample": metrics.get("training_sample"),
        "split_rows": {name: part["rows"] for name, part in metrics["split"].items()},
        "model_config": metrics["model_config"],
        "model": {key: round(metrics["model"][key], 4) for key in KEPT},
        "baseline": {key: round(metrics["baseline"][key], 4) for key in KEPT},
        "channel_max_abs_relative_error": round(errors["max_abs_relative_error"], 4),
    }


def main() -> None:
    """Run or import each cap and merge the figures into the results file."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", type=Path, required=True)
    parser.add_argument("--truth", type=Path, required=True, help="the world's truth.json")
    parser.add_argument("--work", type=Path, default=Path("/tmp/conversion_sample"))
    parser.add_argument("--caps", nargs="*", default=[], help="row caps; 'none' for no cap")
    parser.add_argument("--import-run", type=Path, help="outputs of a run made elsewhere")
    parser.add_argument("--seconds", type=float, help="its wall time (with --import-run)")
    parser.add_argument("--note", default="", help="how it was run (with --import-run)")
    parser.add_argument("--out", type=Path,
                        default=ROOT / "benchmarks" / "results" / "conversion_sample.json")
    args = parser.parse_args()
    results = read_json(args.out) if args.out.is_file() else {"caps": {}}
    results["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version()}
    if args.import_run is not None:
        results["caps"]["none"] = summarise(args.import_run, args.truth) | {
            "seconds": args.seconds, "note": args.note}
    for label in args.caps:
        cap = None if label == "none" else int(label)
        work = args.work / label
        timing = run_stage(cap_params(args.params, cap, work), work)
        results["caps"][label] = summarise(work, args.truth) | timing
        write_json(args.out, results)  # keep each cap's figures if a later one fails
        print(label, results["caps"][label], flush=True)
    write_json(args.out, results)


if __name__ == "__main__":
    main()
