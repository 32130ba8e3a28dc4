"""Scaling of per-customer features and CLTV: one process (pandas) against Dask on 2 workers.

For 1M, 3M and 10M orders (a tenth as many customers; the synthetic log of
benchmarks/bench_cltv.py), each run in a fresh process:
- ``features``: ``build_customer_features`` as of the cutoff, locally (the median of 3
  builds) or per customer bucket (``map_partitions`` over a LocalCluster of 2 workers x 1
  thread);
- ``cltv``: ``CLTVModel`` or ``DaskCLTVModel`` fit and predict, as ``channelwise cltv`` does.
Wall time, the driver's peak RSS and (Dask) the largest worker's peak RSS go to
benchmarks/results/scale.json, rewritten after every run so a long run leaves partial figures.

With ``--pipeline``, the whole ``dvc repro`` on the large simulated world
(``simulate.scale: large``) in a fresh project copy, once per engine: each stage in turn
(``dvc repro --single-item``, in an order of the DAG), its wall time and peak RSS, and the
sum, into the ``pipeline`` block. The copy's params.yaml differs from the repository's in
``simulate`` (scale, format), ``engine`` and the LightGBM threads of the two large training
stages (``--lightgbm-threads``, every core by default; the block records them).

With ``--backtest``, the default world's CLTV backtest locally and on Dask (``backtest``).

Usage: python benchmarks/bench_scale.py [--orders 1000000 3000000 10000000]
                                        [--engines local dask] [--buckets 8] [--pipeline]
                                        [--backtest] [--format parquet]
                                        [--lightgbm-threads 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_cltv import TIMER, synthetic_orders  # benchmarks/ is not a package: on sys.path above

RESULTS = Path("benchmarks/results/scale.json")

RUNNER = """
import json, resource, time
FEATURE_REPEATS = 3
import pandas as pd
from features.customers import build_customer_features
from features.transaction_log import as_of_after, customers_from_orders
from models.cltv.model import CLTVConfig, CLTVModel

def main():
    orders = pd.read_parquet({path!r})
    orders["customer_id"] = orders["customer_id"].astype("str")
    orders.insert(0, "order_id", range(len(orders)))  # as channelwise cltv numbers the rows
    customers = customers_from_orders(orders)
    cutoff = pd.Timestamp({cutoff!r})
    as_of = as_of_after(cutoff)
    config = CLTVConfig(horizon_days=365, step_days=90, min_history_days=60, random_state=0)
    out = {{}}
    if {engine!r} == "local":
        import statistics
        import features.customers as feature_module
        runs = []
        for _ in range(FEATURE_REPEATS):  # one build is a few noisy seconds: the median of 3
            feature_module._FACTORISED.clear()  # each build factorises the ids afresh
            t0 = time.perf_counter()
            features = build_customer_features(customers, orders, as_of)
            runs.append(round(time.perf_counter() - t0, 2))
        out["features_s"], out["features_runs_s"] = statistics.median(runs), runs
        feature_module._FACTORISED.clear()
        t0 = time.perf_counter()
        scored = CLTVModel(config).fit(customers, orders, as_of).predict(customers, orders, as_of)
        out["cltv_s"] = round(time.perf_counter() - t0, 2)
    else:
        from models.scale.buckets import map_buckets, scatter_buckets
        from models.scale.cltv import DaskCLTVModel
        from models.scale.cluster import ClusterSettings, dask_client
        t0 = time.perf_counter()
        with dask_client(ClusterSettings(n_workers=2, threads_per_worker=1)) as client:
            out["cluster_start_s"] = round(time.perf_counter() - t0, 2)
            t0 = time.perf_counter()
            people = scatter_buckets(client, customers, {buckets})
            logs = scatter_buckets(client, orders.loc[orders["ordered_at"] < as_of], {buckets})
            meta = build_customer_features(customers.iloc[:0], orders.iloc[:0], as_of)
            features = client.compute(map_buckets(build_customer_features, people, logs,
                                                  cutoff=as_of, meta=meta), sync=True)
            out["features_s"] = round(time.perf_counter() - t0, 2)
            del people, logs
            t0 = time.perf_counter()
            model = DaskCLTVModel(config, client=client, n_buckets={buckets})
            scored = model.fit(customers, orders, as_of).predict(customers, orders, as_of)
            out["cltv_s"] = round(time.perf_counter() - t0, 2)
            workers = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
            out["worker_peak_rss_gib"] = round(max(workers.values()) / 2**20, 3)
    out["customers"] = len(features)
    out["predicted_total"] = float(scored["predicted_value"].sum())
    out["driver_peak_rss_gib"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 3)
    print(json.dumps(out))

if __name__ == "__main__":
    main()
"""


def run(path: Path, cutoff: str, engine: str, buckets: int, root: Path) -> dict[str, object]:
    """Run one engine on one log in a fresh process; return its JSON line plus the load."""
    script = root / f"run_{engine}.py"
    script.write_text(RUNNER.format(path=str(path), cutoff=cutoff, engine=engine,
                                    buckets=buckets))
    load = round(os.getloadavg()[0], 2)  # two other agents share these 2 cores
    started = time.perf_counter()
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          cwd=Path.cwd(), env=os.environ | {"PYTHONPATH": str(Path.cwd())})
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1:], "exit_code": done.returncode}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result | {"wall_s": round(time.perf_counter() - started, 2),
                     "load_average_1m_at_start": load}


PROJECT = Path(__file__).resolve().parents[1]
STAGES = ("snapshot", "simulate", "prepare", "features", "train_cltv", "train_conversion",
          "score_leads", "kpi_weights", "fit_response", "explain", "allocate", "monitor",
          "report")


def pipeline_run(engine: str, root: Path, table_format: str, threads: int) -> dict[str, object]:
    """``dvc repro`` of the large world in a project copy with ``engine``; time and memory.

    ``table_format`` is ``simulate.format``: the simulated export as CSV or Parquet (the
    files ``prepare`` reads; 900 MB of CSV at this scale). ``threads`` is ``n_jobs`` of
    ``train_cltv`` and ``train_conversion`` (LightGBM threads).
    """
    import shutil

    import yaml

    for name in ("dvc.yaml", "params.yaml", "pyproject.toml"):
        shutil.copy2(PROJECT / name, root / name)
    for name in ("features", "models", "pipelines"):
        shutil.copytree(PROJECT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    params = yaml.safe_load((root / "params.yaml").read_text())
    params["simulate"] |= {"scale": "large", "format": table_format}
    params["engine"] = engine
    for stage in ("train_cltv", "train_conversion"):
        params[stage]["n_jobs"] = threads
    params["dask"] |= {"n_workers": 2, "threads_per_worker": 1}
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    env = os.environ | {"PYTHONPATH": str(root), "DVC_NO_ANALYTICS": "1", "MPLBACKEND": "Agg",
                        "MLFLOW_TRACKING_URI": f"sqlite:///{root}/mlflow.db",
                        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}
    subprocess.run([sys.executable, "-m", "dvc", "init", "--no-scm", "-q"], cwd=root, env=env,
                   check=True)
    load = round(os.getloadavg()[0], 2)
    stages: dict[str, dict[str, Any]] = {}
    result: dict[str, object] = {"exit_code": 0}
    for stage in STAGES:  # an order of `dvc dag`: the stages of one `dvc repro`, one by one
        done = subprocess.run([sys.executable, "-c", TIMER, sys.executable, "-m", "dvc", "repro",
                               "--single-item", stage], cwd=root, env=env, capture_output=True,
                              text=True)
        stages[stage] = json.loads(done.stdout.strip().splitlines()[-1])
        print(stage, stages[stage], flush=True)
        if stages[stage]["exit_code"] != 0:
            result = {"exit_code": stages[stage]["exit_code"],
                      "error": done.stderr.strip().splitlines()[-5:]}
            break
    result["stages"] = stages
    # the largest process of any stage (dvc runs each stage as its own child)
    result["peak_rss_gib_largest_process"] = max(float(s["peak_rss_gib"])
                                                  for s in stages.values())
    result["stages_wall_s"] = round(sum(float(s["wall_s"]) for s in stages.values()), 2)
    prepare = json.loads((root / "metrics" / "prepare.json").read_text()) if (
        root / "metrics" / "prepare.json").exists() else {}
    cltv = json.loads((root / "metrics" / "cltv.json").read_text()) if (
        root / "metrics" / "cltv.json").exists() else {}
    return result | {"load_average_1m_at_start": load, "prepare": prepare,
                     "cltv_backtest": cltv.get("backtest", {}).get("lightgbm")}


def backtest_agreement(buckets: int) -> dict[str, object]:
    """The CLTV backtest of the default world, one process against Dask on 2 workers."""
    import pandas as pd

    from features.contract import value_column
    from models.cltv.backtest import backtest_cltv
    from models.cltv.model import CLTVConfig
    from models.scale.cltv import DaskCLTVModel
    from models.scale.cluster import ClusterSettings, dask_client
    from models.simulation.generator import simulate_world

    world = simulate_world(42, "default")
    config = CLTVConfig(value_col=value_column(world.orders), random_state=42)
    t0 = pd.Timestamp("2024-12-29")
    local, _ = backtest_cltv(world.customers, world.orders, t0, config)
    with dask_client(ClusterSettings(n_workers=2, threads_per_worker=1)) as client:
        model = DaskCLTVModel(config, client=client, n_buckets=buckets)
        dask, _ = backtest_cltv(world.customers, world.orders, t0, config, model=model)
    return {"as_of": str(t0.date()), "customers": local["customers"],
            "local": local["lightgbm"], "dask": dask["lightgbm"],
            "difference": {key: dask["lightgbm"][key] - local["lightgbm"][key]
                           for key in local["lightgbm"]}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, nargs="+",
                        default=[1_000_000, 3_000_000, 10_000_000])
    parser.add_argument("--engines", nargs="+", default=["local", "dask"])
    parser.add_argument("--buckets", type=int, default=8)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--pipeline", action="store_true", help="only the large dvc repro")
    parser.add_argument("--format", choices=["csv", "parquet"], default="parquet",
                        help="simulate.format of the --pipeline run")
    parser.add_argument("--lightgbm-threads", type=int, default=os.cpu_count() or 1,
                        help="n_jobs of train_cltv and train_conversion in the --pipeline run")
    parser.add_argument("--backtest", action="store_true",
                        help="only the default world's backtest, local vs Dask")
    args = parser.parse_args()
    results: dict[str, object] = json.loads(args.out.read_text()) if args.out.exists() else {}
    results["machine"] = {"python": platform.python_version(), "cpus": os.cpu_count(),
                          "dask_workers": 2, "threads_per_worker": 1, "buckets": args.buckets}
    if args.backtest:
        results["backtest"] = backtest_agreement(args.buckets)
        print(json.dumps(results["backtest"], indent=1), flush=True)
        args.out.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
        return
    if args.pipeline:
        pipeline = results.setdefault("pipeline", {})
        assert isinstance(pipeline, dict)
        for engine in args.engines:
            with tempfile.TemporaryDirectory() as tmp:
                pipeline[engine] = pipeline_run(engine, Path(tmp), args.format,
                                                args.lightgbm_threads) | {
                    "simulate_format": args.format, "lightgbm_threads": args.lightgbm_threads}
            print(engine, json.dumps(pipeline[engine]), flush=True)
            args.out.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
        return
    runs = results.setdefault("runs", {})
    assert isinstance(runs, dict)
    for n_orders in args.orders:
        with tempfile.TemporaryDirectory() as tmp:
            orders = synthetic_orders(n_orders // 10, n_orders)
            cutoff = str((orders["ordered_at"].max() - __import__("pandas").Timedelta(
                days=1)).date())
            path = Path(tmp) / "orders.parquet"
            orders.to_parquet(path, index=False)
            shape = {"orders": len(orders), "customers": int(orders["customer_id"].nunique()),
                     "cutoff": cutoff}
            del orders
            for engine in args.engines:
                runs[f"{n_orders}:{engine}"] = shape | {"engine": engine} | run(
                    path, cutoff, engine, args.buckets, Path(tmp))
                print(json.dumps(runs[f"{n_orders}:{engine}"]), flush=True)
                args.out.parent.mkdir(parents=True, exist_ok=True)
                args.out.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
