"""channelwise's KPI monitor against statsforecast's out-of-band recipe, on the same worlds.

The worlds, injected changes and scoring are those of ``bench_monitor.py`` (its helpers are
imported). For each world, channelwise's monitor runs (``run_monitor``, default config) and
its weekly KPI series of the total, channels and teams go to ``benchmarks/peer_statsforecast.py``
in its own venv (``.venv-statsforecast``; statsforecast caps pandas<3). The peer forecasts
each series with AutoETS on its expanding history, refitted every 4 weeks (each week is
forecast 1 to 4 weeks ahead from data before it), with prediction intervals at a
Bonferroni-adjusted level per segment type, and raises one alert per run of 3 consecutive
weeks outside the interval. Both methods' alerts are scored by ``detection()`` and
``false_alarms()`` unchanged; an alert on the total names its segment through channelwise's
driver ranking for both. The JSON is rewritten after every world; a rerun resumes.
Usage: python benchmarks/bench_monitor_peer.py [--seeds 10] [--offset 0]
           [--out benchmarks/results/monitor_peer.json] [--intervals model|conformal]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd
from bench_monitor import (
    FALSE_ALARM_WEEKS,
    KIND_SEEDS,
    detection,
    draw_drift,
    false_alarms,
    monitor,
    overridden,
    seed_ranges,
    summarise,
)

from models.simulation.drift import Drift
from models.simulation.tables import end_of_data

ROOT = Path(__file__).resolve().parents[1]
PEER_PYTHON = ROOT / ".venv-statsforecast" / "bin" / "python"
PEER_SCRIPT = ROOT / "benchmarks" / "peer_statsforecast.py"
SEGMENT_TYPES = ("total", "channel", "team")
SERIES_COLUMNS = ["kpi", "segment_type", "segment", "week", "value"]
METHODS = ("channelwise", "statsforecast")


def peer_task(intervals: str, test_weeks: int) -> dict[str, Any]:
    """The peer's settings: forecast model, intervals, refit step and persistence rule."""
    return {"model": "AutoETS", "season_length": 1, "intervals": intervals,
            "conformal_windows": 10, "refit_weeks": 4, "test_weeks": test_weeks,
            "min_train_weeks": 20, "interval_level": 0.95, "k": 3, "merge_weeks": 4}


def peer_series(bands: pd.DataFrame) -> pd.DataFrame:
    """The weekly KPI values of the total, channels and teams (channelwise's series)."""
    kept = bands.loc[bands["segment_type"].isin(SEGMENT_TYPES) & bands["value"].notna()]
    return kept[SERIES_COLUMNS].reset_index(drop=True)


def run_peer(series: pd.DataFrame, task: dict[str, Any],
             timeout: int) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Run the peer in its venv on one world's series; return its alerts and report."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        series.to_parquet(folder / "series.parquet")
        (folder / "task.json").write_text(json.dumps(task))
        started = time.perf_counter()
        done = subprocess.run([str(PEER_PYTHON), str(PEER_SCRIPT), str(folder)],
                              capture_output=True, text=True, timeout=timeout, check=False)
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError(f"peer failed: {done.stderr[-2000:]}")
        report = json.loads((folder / "peer.json").read_text())
        alerts = pd.read_parquet(folder / "alerts.parquet")
    for column in ("first_week", "raised_week", "last_week"):
        alerts[column] = pd.to_datetime(alerts[column])
    return alerts, report | {"seconds": round(seconds, 2)}


def alarm_list(alerts: pd.DataFrame) -> list[str]:
    """The total- and channel-level alerts raised in the false-alarm window, as text."""
    since = end_of_data() - pd.Timedelta(weeks=FALSE_ALARM_WEEKS)
    kept = alerts.loc[alerts["segment_type"].isin(["total", "channel"])
                      & (alerts["raised_week"] >= since)]
    return [f"{r.kpi} {r.segment_type}={r.segment} {r.direction}" for r in kept.itertuples()]


def score(alerts: pd.DataFrame, bands: pd.DataFrame, drift: Drift | None) -> dict[str, Any]:
    """bench_monitor's scoring of one method's alerts on one world."""
    if drift is None:
        return {"false_alarms_per_26_weeks": false_alarms(alerts), "alarms": alarm_list(alerts)}
    return detection(alerts, bands, drift)


def one_world(kind: str, seed: int, task: dict[str, Any],
              timeout: int) -> dict[str, dict[str, Any]]:
    """Both methods' rows for one world."""
    drift = None if kind == "none" else draw_drift(kind, seed)
    alerts, bands, seconds = monitor(seed, () if drift is None else (drift,), overridden([]))
    peer_alerts, report = run_peer(peer_series(bands), task, timeout)
    return {
        "channelwise": {"seed": seed, "monitor_seconds": round(seconds, 2)}
        | score(alerts, bands, drift),
        "statsforecast": {"seed": seed, "peer_seconds": report["seconds"],
                          "fit_seconds": report["fit_seconds"], "series": report["series"],
                          "dropped_series": len(report["dropped_series"]),
                          "out_of_band_share": round(report["out_of_band_share"], 5)}
        | score(peer_alerts, bands, drift)}


def seconds_summary(cases: dict[str, list[dict[str, Any]]], field: str) -> dict[str, float]:
    """Median and total of one timing field over all worlds."""
    values = pd.Series([float(r[field]) for rows in cases.values() for r in rows])
    return {"median": round(float(values.median()), 2), "total": round(float(values.sum()), 1),
            "worlds": len(values)}


def summary(cases: dict[str, dict[str, list[dict[str, Any]]]]) -> dict[str, Any]:
    """Both methods' bench_monitor summaries side by side, with wall times (once every kind
    has a world; empty before)."""
    if not all(cases["channelwise"].values()):
        return {}
    out: dict[str, Any] = {m: summarise(cases[m]) for m in METHODS}
    out["channelwise"]["monitor_seconds"] = seconds_summary(cases["channelwise"],
                                                            "monitor_seconds")
    out["statsforecast"]["peer_seconds"] = seconds_summary(cases["statsforecast"],
                                                           "peer_seconds")
    out["statsforecast"]["fit_seconds"] = seconds_summary(cases["statsforecast"],
                                                          "fit_seconds")
    out["worlds_per_kind"] = {k: len(v) for k, v in cases["channelwise"].items()}
    return out


def load(path: Path, settings: dict[str, Any]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Per-seed rows of an earlier run with the same settings (empty otherwise)."""
    empty: dict[str, dict[str, list[dict[str, Any]]]] = {
        m: {k: [] for k in KIND_SEEDS} for m in METHODS}
    if not path.exists():
        return empty
    earlier = json.loads(path.read_text())
    return earlier["cases"] if earlier.get("settings") == settings else empty


def write(path: Path, cases: dict[str, dict[str, list[dict[str, Any]]]],
          settings: dict[str, Any], requested: int, offset: int) -> None:
    """Rewrite the result file from the rows so far."""
    done = min(len(rows) for rows in cases["channelwise"].values())
    out = {"complete": done >= requested,
           "worlds_requested_per_kind": requested, "summary": summary(cases), "cases": cases,
           "settings": settings, "seeds_requested": seed_ranges(offset, requested),
           "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                       "load_average_1min": round(os.getloadavg()[0], 2)}}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2, sort_keys=True, default=str) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--offset", type=int, default=0)
    parser.add_argument("--out", default="benchmarks/results/monitor_peer.json")
    parser.add_argument("--intervals", choices=["model", "conformal"], default="model")
    parser.add_argument("--test-weeks", type=int, default=56,
                        help="weeks the peer forecasts out of sample, up to the end of data")
    parser.add_argument("--timeout", type=int, default=900)
    args = parser.parse_args()
    task = peer_task(args.intervals, args.test_weeks)
    settings = {"peer": task, "offset": args.offset,
                "channelwise": "MonitorConfig() defaults (bench_monitor.overridden([]))"}
    path = Path(args.out)
    cases = load(path, settings)
    for index in range(args.seeds):  # one world of each kind at a time: partial runs balance
        for kind, base in KIND_SEEDS.items():
            seed = args.offset + base + 1 + index
            if any(r["seed"] == seed for r in cases["channelwise"][kind]):
                continue
            rows = one_world(kind, seed, task, args.timeout)
            for method in METHODS:
                cases[method][kind].append(rows[method])
            write(path, cases, settings, args.seeds, args.offset)
            print(kind, json.dumps(rows, default=str), flush=True)
    write(path, cases, settings, args.seeds, args.offset)
    print(json.dumps(summary(cases), indent=2))


if __name__ == "__main__":
    main()
