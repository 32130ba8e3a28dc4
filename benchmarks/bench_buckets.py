"""The driver's memory under ``engine: dask``: buckets read from disk against split in memory.

The default world (seed 42) repeated ``--copies`` times (ids suffixed; leads left out) is
prepared with ``engine: dask``, so ``prepare`` writes ``dask.buckets`` bucket files per table.
Then, each in a fresh process on a LocalCluster of 2 workers x 1 thread:
- ``model``: ``DaskCLTVModel`` fit + predict as of the end of the data, with ``bucket_dir``
  (the workers read the files) and without it (the driver splits the tables and sends them);
- ``stage``: the ``train_cltv`` stage, with the buckets folder in place, then moved away (the
  stage falls back to splitting in memory, as it did before ``prepare`` wrote buckets).
Each run reports its own process's peak RSS (``ru_maxrss``: the driver, not the workers) and
its wall time. Results go to benchmarks/results/buckets.json.

Usage: python benchmarks/bench_buckets.py [--copies 10] [--buckets 8] [--no-stage]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_cltv import TIMER  # benchmarks/ is not a package: on sys.path above

PROJECT = Path(__file__).resolve().parents[1]
RESULTS = Path("benchmarks/results/buckets.json")

# Run in a fresh process with cwd = the project; prints one JSON line. ``-c`` code is not
# run again by the spawned Dask workers (they import no __main__ file).
MODEL = """
import json, resource, sys, time
from pathlib import Path
import pandas as pd
from models.cltv.model import CLTVConfig
from models.scale.cltv import DaskCLTVModel
from models.scale.cluster import ClusterSettings, dask_client
prepared, source, buckets = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
customers = pd.read_parquet(prepared / "customers.parquet")
orders = pd.read_parquet(prepared / "orders.parquet")
tables_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
as_of = orders["ordered_at"].max().normalize() + pd.Timedelta(days=1)
t0 = time.perf_counter()
with dask_client(ClusterSettings(n_workers=2, threads_per_worker=1)) as client:
    model = DaskCLTVModel(CLTVConfig(random_state=42), client=client, n_buckets=buckets,
                          bucket_dir=prepared / "buckets" if source == "disk" else None)
    scored = model.fit(customers, orders, as_of).predict(customers, orders, as_of)
print(json.dumps({"wall_s": round(time.perf_counter() - t0, 2), "customers": len(scored),
                  "driver_peak_rss_gib": round(resource.getrusage(
                      resource.RUSAGE_SELF).ru_maxrss / 2**20, 3),
                  "driver_rss_after_reading_tables_gib": round(tables_gib, 3)}))
"""
STAGE = """
import json, resource, runpy, sys, time
t0 = time.perf_counter()
sys.argv = ["train_cltv", "--params", sys.argv[1]]
runpy.run_module("pipelines.train_cltv", run_name="__main__")
print(json.dumps({"wall_s": round(time.perf_counter() - t0, 2), "driver_peak_rss_gib": round(
    resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 3)}))
"""


def repeated_world(raw: Path, copies: int) -> dict[str, int]:
    """Write the default world's customers, orders and spend, ``copies`` times over."""
    from models.simulation.generator import simulate_world

    world = simulate_world(42, "default")
    raw.mkdir(parents=True)

    def copied(frame: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
        return pd.concat([frame.assign(**{c: frame[c].astype("str") + f"-{k}" for c in ids})
                          for k in range(copies)], ignore_index=True)

    customers = copied(world.customers, ["customer_id"])
    orders = copied(world.orders, ["customer_id", "order_id"])
    customers.to_parquet(raw / "customers.parquet", index=False)
    orders.to_parquet(raw / "orders.parquet", index=False)
    world.spend.to_parquet(raw / "spend.parquet", index=False)
    return {"copies": copies, "customers": len(customers), "orders": len(orders)}


def stage_params(root: Path, buckets: int) -> Path:
    """The shipped params with ``engine: dask`` and every path under ``root``."""
    params = yaml.safe_load((PROJECT / "params.yaml").read_text())
    params["data"]["dir"] = str(root / "raw")
    params["engine"] = "dask"
    params["dask"] |= {"buckets": buckets, "n_workers": 2, "threads_per_worker": 1}
    params["paths"] = {key: str(root / value) for key, value in params["paths"].items()}
    path = root / "params.yaml"
    path.write_text(yaml.safe_dump(params))
    return path


def timed(code: str, *args: str, env: dict[str, str] | None = None) -> dict[str, object]:
    """Run ``python -c code args`` in the project; its last JSON line and the load at start."""
    load = round(os.getloadavg()[0], 2)
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=PROJECT, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"bench_buckets: a run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1]) | {"load_average_1m_at_start": load}


def measure(root: Path, copies: int, buckets: int, stage: bool) -> dict[str, object]:
    """Prepare the world under ``root``, then time the model and the stage both ways."""
    world = repeated_world(root / "raw", copies)
    params = stage_params(root, buckets)
    prepared = root / "data" / "prepared"
    out: dict[str, object] = {"world": world, "buckets": buckets, "prepare": timed(
        TIMER, sys.executable, "-m", "pipelines.prepare", "--params", str(params))}
    out["model"] = {source: timed(MODEL, str(prepared), source, str(buckets))
                    for source in ("memory", "disk")}
    print(json.dumps(out), flush=True)
    if stage:
        env = os.environ | {"MLFLOW_TRACKING_URI": f"sqlite:///{root}/mlflow.db"}
        runs = {"disk": timed(STAGE, str(params), env=env)}
        (prepared / "buckets").rename(root / "buckets.off")
        runs["memory"] = timed(STAGE, str(params), env=env)
        out["stage"] = runs
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--buckets", type=int, default=8)
    parser.add_argument("--no-stage", action="store_true", help="only the model's fit+predict")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    results: dict[str, object] = json.loads(args.out.read_text()) if args.out.exists() else {}
    results["machine"] = {"python": platform.python_version(), "cpus": os.cpu_count(),
                          "dask_workers": 2, "threads_per_worker": 1}
    with tempfile.TemporaryDirectory() as tmp:
        results[f"copies_{args.copies}"] = measure(Path(tmp), args.copies, args.buckets,
                                                   not args.no_stage)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    print(json.dumps(results[f"copies_{args.copies}"], indent=1))


if __name__ == "__main__":
    main()
