"""CLTV on real data (CDNOW) against BG/NBD x Gamma-Gamma, and `channelwise cltv` speed.

1. CDNOW, the full 23,570-customer log shipped in the `lifetimes` package's data files (read
   directly; `lifetimes` itself is never imported): calibration through 1997-09-30, holdout
   1997-10-01 to 1998-06-30 (273 days). The LightGBM figures are scored from the output of
   `channelwise cltv` itself; the baseline is BG/NBD x Gamma-Gamma fitted on the same
   calibration data. -> benchmarks/results/cltv_cdnow.json
2. Wall time and peak RSS of `channelwise cltv`, each run in its own process, on CDNOW and on
   a synthetic 1M-customer / 10M-order log. -> benchmarks/results/cltv.json (a skipped
   part keeps its previous figures)
3. An ablation on CDNOW (same backtest without the BTYD features, with one cutoff, with a
   Tweedie objective), into the ``ablation`` block of cltv_cdnow.json.

Usage: python benchmarks/bench_cltv.py [--skip-synthetic] [--skip-ablation]
       [--synthetic-format csv|parquet]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from features.customers import customer_value_in_window
from features.transaction_log import customers_from_orders
from models.cltv.backtest import backtest_cltv, btyd_baseline
from models.cltv.model import CLTVConfig, Objective
from models.cltv.rows import BTYD_FEATURES
from models.metrics import value_metrics

CALIBRATION_END = "1997-09-30"
HOLDOUT_DAYS = 273
TARGETS = {"spearman": "beat BG/NBD x GG", "normalised_gini": "beat BG/NBD x GG",
           "decile_mape": "no worse than BG/NBD x GG", "aggregate_error": "|x| <= 0.10"}
BUDGET = {"cdnow_wall_s": 30, "synthetic_wall_s": 300, "synthetic_peak_rss_gib": 8}

# Runs one command as its only child, so the child's peak RSS is the command's own.
TIMER = (
    "import json, resource, subprocess, sys, time\n"
    "t0 = time.perf_counter()\n"
    "code = subprocess.run(sys.argv[1:]).returncode\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20\n"
    "print(json.dumps({'exit_code': code, 'wall_s': round(time.perf_counter() - t0, 2),\n"
    "                  'peak_rss_gib': round(peak, 3)}))\n"
)


def cdnow_orders() -> pd.DataFrame:
    """The full CDNOW log as customer_id, ordered_at, revenue (one row per purchase record)."""
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("CDNOW needs the lifetimes data files: pip install --no-deps lifetimes==0.11.3")
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "CDNOW_master.txt"
    raw = pd.read_csv(path, sep=r"\s+", skiprows=1, header=None, dtype=str,
                      names=["customer_id", "date", "cds", "revenue"])
    return pd.DataFrame({
        "customer_id": raw["customer_id"],
        "ordered_at": pd.to_datetime(raw["date"], format="%Y%m%d"),
        "revenue": raw["revenue"].astype(np.float64),
    })


def synthetic_orders(n_customers: int, n_orders: int, seed: int = 0) -> pd.DataFrame:
    """Two years of orders: gamma-heterogeneous rates, exponential lifetimes, gamma spend."""
    rng = np.random.default_rng(seed)
    days = 730
    acquired = rng.uniform(0, days, n_customers)
    active = np.minimum(rng.exponential(400, n_customers), days - acquired)
    weight = rng.gamma(0.8, 1 / 0.8, n_customers) * active
    repeats = rng.poisson(weight * (n_orders - n_customers) / weight.sum())
    owner = np.concatenate([np.arange(n_customers), np.repeat(np.arange(n_customers), repeats)])
    delay = np.concatenate([np.zeros(n_customers), rng.random(int(repeats.sum()))
                            * active[owner[n_customers:]]])
    stamps = pd.Timestamp("2023-01-01").value + ((acquired[owner] + delay) * 86_400e9).astype(
        np.int64)
    spend = rng.gamma(2.0, 25.0, n_customers)
    return pd.DataFrame({
        "customer_id": np.char.add("U", np.arange(n_customers).astype(str))[owner],
        "ordered_at": pd.to_datetime(stamps).floor("s"),
        "revenue": np.round(rng.gamma(3.0, spend[owner] / 3.0), 2),
    })


def write_log(orders: pd.DataFrame, path: Path) -> None:
    if path.suffix == ".parquet":
        orders.to_parquet(path, index=False)
    else:
        orders.assign(ordered_at=orders["ordered_at"].dt.strftime("%Y-%m-%d %H:%M:%S")).to_csv(
            path, index=False)


def timed_cltv(orders: Path, cutoff: str, horizon_days: int, out: Path) -> dict[str, object]:
    """Run `channelwise cltv` in a fresh process; return exit code, wall time and peak RSS."""
    load = round(os.getloadavg()[0], 2)  # other work on the machine slows the run
    command = [sys.executable, "-m", "pipelines.cli", "cltv", "--orders", str(orders),
               "--cutoff", cutoff, "--horizon-days", str(horizon_days), "--out", str(out)]
    done = subprocess.run([sys.executable, "-c", TIMER, *command], capture_output=True,
                          text=True, check=True, env=os.environ | {"COLUMNS": "120"})
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["exit_code"] != 0:
        sys.exit(f"channelwise cltv failed on {orders}:\n{done.stderr}")
    return dict(result) | {"load_average_1m_at_start": load}


def cdnow_benchmark(tmp: Path) -> tuple[dict[str, object], dict[str, object]]:
    """Score CDNOW with the CLI and the BTYD baseline; return (metrics, timing)."""
    orders = cdnow_orders()
    write_log(orders, tmp / "cdnow.csv")
    timing = timed_cltv(tmp / "cdnow.csv", CALIBRATION_END, HOLDOUT_DAYS, tmp / "cdnow_cltv.csv")
    scored = pd.read_csv(tmp / "cdnow_cltv.csv", dtype={"customer_id": str})
    as_of = pd.Timestamp(CALIBRATION_END) + pd.Timedelta(days=1)
    end = as_of + pd.Timedelta(days=HOLDOUT_DAYS)
    actual = customer_value_in_window(orders, scored["customer_id"], as_of, end).to_numpy()
    calibration = orders.loc[orders["ordered_at"] < as_of].assign(
        order_id=lambda frame: np.arange(len(frame)))
    baseline = btyd_baseline(customers_from_orders(calibration), calibration, as_of,
                             CLTVConfig(horizon_days=HOLDOUT_DAYS))
    baseline = baseline.set_index("customer_id").loc[scored["customer_id"]]
    lightgbm = value_metrics(actual, scored["predicted_value"], scored["predicted_p10"],
                             scored["predicted_p90"])
    btyd = value_metrics(actual, baseline["btyd_value"], baseline["btyd_p10"],
                         baseline["btyd_p90"])
    met = {
        "spearman": lightgbm["spearman"] > btyd["spearman"],
        "normalised_gini": lightgbm["normalised_gini"] > btyd["normalised_gini"],
        "decile_mape": lightgbm["decile_mape"] <= btyd["decile_mape"],
        "aggregate_error": abs(lightgbm["aggregate_error"]) <= 0.10,
    }
    metrics: dict[str, object] = {
        "data": {"customers": int(scored.shape[0]), "orders": len(orders),
                 "calibration": ["1997-01-01", CALIBRATION_END],
                 "holdout": [str(as_of.date()), "1998-06-30"], "holdout_days": HOLDOUT_DAYS,
                 "holdout_revenue": float(actual.sum())},
        "command": f"channelwise cltv --orders cdnow.csv --cutoff {CALIBRATION_END} "
                   f"--horizon-days {HOLDOUT_DAYS} --out cdnow_cltv.csv",
        "lightgbm": lightgbm, "btyd": btyd, "targets": TARGETS, "met": met,
    }
    timing |= {"customers": int(scored.shape[0]), "orders": len(orders)}
    return metrics, timing


def ablation(orders: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Which ingredient gives the edge: the CDNOW backtest without each of them in turn."""
    as_of = pd.Timestamp(CALIBRATION_END) + pd.Timedelta(days=1)
    orders = orders.assign(order_id=np.arange(len(orders)))
    customers = customers_from_orders(orders.loc[orders["ordered_at"] < as_of])
    base = CLTVConfig(horizon_days=HOLDOUT_DAYS, step_days=30, min_history_days=60)
    no_btyd = (*BTYD_FEATURES, "repeat_rate", "recency_share")
    variants = {
        "full": base,
        "without_btyd_features": replace(base, drop_features=no_btyd),
        "single_cutoff": replace(base, max_cutoffs=1),
        "without_btyd_features_single_cutoff": replace(base, drop_features=no_btyd,
                                                       max_cutoffs=1),
        "tweedie_1.5_objective": replace(base, objective=Objective.TWEEDIE),
    }
    return {name: backtest_cltv(customers, orders, as_of, config)[0]["lightgbm"]
            for name, config in variants.items()}


def synthetic_benchmark(tmp: Path, fmt: str) -> dict[str, object]:
    """Time the CLI on a 1M-customer, ~10M-order synthetic log."""
    orders = synthetic_orders(1_000_000, 10_000_000)
    path = tmp / f"synthetic.{fmt}"
    write_log(orders, path)
    cutoff = str((orders["ordered_at"].max() - pd.Timedelta(days=1)).date())
    shape = {"customers": int(orders["customer_id"].nunique()), "orders": len(orders),
             "format": fmt, "cutoff": cutoff, "horizon_days": 365}
    del orders
    return timed_cltv(path, cutoff, 365, tmp / "synthetic_cltv.parquet") | shape


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-synthetic", action="store_true")
    parser.add_argument("--skip-ablation", action="store_true")
    parser.add_argument("--synthetic-format", choices=["csv", "parquet"], default="csv")
    parser.add_argument("--results", default="benchmarks/results")
    args = parser.parse_args()
    results = Path(args.results)
    results.mkdir(parents=True, exist_ok=True)
    previous = results / "cltv.json"
    speed: dict[str, object] = json.loads(previous.read_text()) if previous.exists() else {}
    speed |= {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "budget": BUDGET,
    }
    with tempfile.TemporaryDirectory() as tmp:
        metrics, speed["cdnow"] = cdnow_benchmark(Path(tmp))
        if not args.skip_ablation:
            metrics["ablation"] = ablation(cdnow_orders())
        (results / "cltv_cdnow.json").write_text(json.dumps(metrics, indent=2, sort_keys=True)
                                                 + "\n")
        print(json.dumps({k: metrics[k] for k in ("lightgbm", "btyd", "met")}, indent=1))
        if not args.skip_synthetic:
            speed["synthetic_1m"] = synthetic_benchmark(Path(tmp), args.synthetic_format)
    (results / "cltv.json").write_text(json.dumps(speed, indent=2, sort_keys=True) + "\n")
    print(json.dumps(speed, indent=1))


if __name__ == "__main__":
    main()
