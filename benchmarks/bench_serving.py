"""Benchmark the served lead model; write benchmarks/results/serving.json.

Trains ``train_conversion`` on a simulated world (default scale, seed 42) in a temp
project, registers the pyfunc, starts ``mlflow models serve -m
models:/lead_conversion@champion --env-manager local`` and times ``POST /invocations``
from this process (HTTP on localhost included): 1 lead per request and 1,000 leads per
request. Each request rebuilds the team form over the leads kept at training that its leads
can see (the 90 days before its oldest lead); the history's size is reported.

Usage: python benchmarks/bench_serving.py [--scale default] [--out benchmarks/results/serving.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from features.channels import build_channel_panel
from features.contract import validate_tables
from features.leads import build_lead_features
from models.conversion.serving import as_request, lead_history
from models.io import write_csv, write_json, write_parquet
from models.simulation.generator import simulate_world
from pipelines.prepare import write_prepared

ROOT = Path(__file__).resolve().parents[1]
REQUESTS = {1: 50, 1000: 10}  # leads per request -> timed requests (after 2 warm-ups)


def train(project: Path, scale: str) -> int:
    """Prepare a world in ``project``, run train_conversion; return the leads kept."""
    world = simulate_world(42, scale)
    data = validate_tables({"customers": world.customers, "orders": world.orders,
                            "spend": world.spend, "leads": world.leads})
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["paths"] = {key: str(project / value) for key, value in params["paths"].items()}
    params["data"] = {"dir": str(project / "raw"), "uri": None, "queries": {}}
    paths = {key: Path(value) for key, value in params["paths"].items()}
    write_prepared(data, paths["prepared"])
    cutoff = data.leads["created_at"].max().normalize() + pd.Timedelta(days=1)
    write_parquet(paths["features"] / "leads.parquet", build_lead_features(data.leads, cutoff))
    write_parquet(paths["features"] / "channel_panel.parquet",
                  build_channel_panel(data.spend, data.customers, data.leads, cutoff))
    write_json(paths["features"] / "cutoff.json", {"cutoff": cutoff.isoformat()})
    channels = sorted(data.leads["channel"].unique())
    write_csv(paths["predictions"] / "channel_cltv.csv",
              pd.DataFrame({"channel": channels, "cltv_mean": 1000.0}))
    (project / "params.yaml").write_text(yaml.safe_dump(params))
    subprocess.run([sys.executable, "-m", "pipelines.train_conversion", "--params",
                    str(project / "params.yaml")], cwd=ROOT, env=environment(project),
                   check=True, stdout=subprocess.DEVNULL)
    return len(data.leads)


def environment(project: Path) -> dict[str, str]:
    return {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{project}/mlflow.db",
            "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def post(port: int, body: bytes) -> float:
    """POST one request; return its wall time in seconds."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/invocations", data=body,
                                     headers={"Content-Type": "application/json"})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=300) as response:
        response.read()
    return time.perf_counter() - start


def wait_until_up(port: int, timeout: float = 300.0) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=2):
                return time.perf_counter() - start
        except OSError:
            time.sleep(0.25)
    raise RuntimeError("mlflow models serve did not start")


def latencies(port: int, rows: pd.DataFrame, size: int, count: int) -> dict[str, Any]:
    payload = as_request(rows.tail(size).reset_index(drop=True))
    body = json.dumps({"dataframe_split": json.loads(
        payload.to_json(orient="split", index=False))}).encode()
    for _ in range(2):
        post(port, body)
    times = np.array([post(port, body) for _ in range(count)]) * 1000.0
    return {"leads_per_request": size, "requests": count,
            "median_ms": round(float(statistics.median(times)), 1),
            "p95_ms": round(float(np.percentile(times, 95)), 1),
            "leads_per_second": round(size / (float(statistics.median(times)) / 1000.0), 1)}


def main() -> None:
    """Train, serve, time and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="default")
    parser.add_argument("--out", default=str(ROOT / "benchmarks/results/serving.json"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        project = Path(work)
        history = train(project, args.scale)
        port = free_port()
        server = subprocess.Popen(
            [str(Path(sys.executable).with_name("mlflow")), "models", "serve", "-m",
             "models:/lead_conversion@champion", "--env-manager", "local", "--host",
             "127.0.0.1", "-p", str(port), "--workers", "1"], cwd=project,
            env=environment(project), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        try:
            startup = wait_until_up(port)
            leads = lead_history(pd.read_parquet(next(project.rglob("prepared/leads.parquet"))))
            leads = leads.drop(columns="converted_at")  # new leads: no outcome yet
            timed = [latencies(port, leads, size, count) for size, count in REQUESTS.items()]
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)
    results = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                           "load_average_1min_after": round(os.getloadavg()[0], 1)},
               "world": f"{args.scale}, seed 42", "history_leads": history,
               "server": "mlflow models serve --env-manager local, 1 worker, localhost",
               "startup_seconds": round(startup, 1), "latency": timed}
    write_json(args.out, results)
    print(Path(args.out).read_text())


if __name__ == "__main__":
    main()
