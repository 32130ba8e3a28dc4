"""Alert rules compared on the same worlds: the bands are computed once, the rules scored on them.

The costly part of a monitoring run is the KPI series and their bands; the alert rule (CUSUM
threshold, indifference zones) and the CAC's test act on the bands alone. This benchmark
builds each world's bands once, with today's defaults, and scores every variant in
:data:`VARIANTS` on them, with the detection and false-alarm measures of
``bench_monitor.py``. It reproduces the session-30 choice of the CAC's count test, the
segments' conversion zone and the 104-week false-alarm target (docs/monitoring.md).
Usage: python benchmarks/bench_monitor_rules.py [--offset 1000] [--seeds 10]
           [--out benchmarks/results/monitor_rules.json]
--offset 1000 runs tuning seeds (1101.., 1201.., 1301.., 1401..; the choice also used
1311-1320 and 1411-1420); 0 and 400 the burned held-out sets 1xx-4xx and 5xx-8xx.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from models.io import write_json
from models.monitoring.alerts import AlertRule, find_alerts
from models.monitoring.monitor import MonitorConfig
from models.simulation.drift import Drift

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_monitor import (  # benchmarks/ is not a package
    BUDGET_WEEKS,
    detection,
    draw_drift,
    false_alarms,
    monitor,
    seed_ranges,
)

DEFAULT = AlertRule()
# name -> (rule, whether CAC keeps the old ratio test)
VARIANTS: dict[str, tuple[AlertRule, bool]] = {
    "before (208 weeks, CAC ratio, no segment zone)": (dataclasses.replace(
        DEFAULT, false_alarm_weeks=208.0, min_segment_conversion_change=0.0), True),
    "104 weeks alone": (dataclasses.replace(DEFAULT, min_segment_conversion_change=0.0), True),
    "CAC on its customers": (dataclasses.replace(
        DEFAULT, false_alarm_weeks=208.0, min_segment_conversion_change=0.0), False),
    "CAC on its customers, 104 weeks": (dataclasses.replace(
        DEFAULT, min_segment_conversion_change=0.0), False),
    "today (CAC on its customers, 104 weeks, segment zone 0.03)": (DEFAULT, False),
    "today, zone 0.03 on the total too": (dataclasses.replace(
        DEFAULT, min_conversion_change=0.03), False),
    "today, zone 0.05 on the segments too": (dataclasses.replace(
        DEFAULT, min_segment_conversion_change=0.05), False),
}


def with_ratio_cac(bands: pd.DataFrame) -> pd.DataFrame:
    """The bands with the CAC's former test: ``(value - expected) / (scale x inflation)``."""
    cac = bands["kpi"] == "cac"
    spread = bands["scale"] * bands["inflation"]
    plain = (bands["value"] - bands["expected"]) / spread.where(spread > 0)
    return bands.assign(error=bands["error"].where(~cac, plain))


def score(worlds: Sequence[tuple[int, str, Drift | None, pd.DataFrame]], rule: AlertRule,
          ratio_cac: bool) -> dict[str, object]:
    """Share of changes found within budget per kind, and false alarms per 26 weeks."""
    found: dict[str, list[bool]] = {kind: [] for kind in BUDGET_WEEKS}
    alarms, misses = [], []
    for seed, kind, drift, bands in worlds:
        alerts = find_alerts(with_ratio_cac(bands) if ratio_cac else bands, rule)
        if drift is None:
            alarms.append(false_alarms(alerts))
            continue
        row = detection(alerts, bands, drift)
        found[kind].append(bool(row["within_budget"]))
        if not row["within_budget"]:
            misses.append({"seed": seed, "kind": kind, "delay_weeks": row["delay_weeks"]})
    every = [hit for hits in found.values() for hit in hits]
    return {"within_budget": float(np.mean(every)),
            **{kind: float(np.mean(hits)) for kind, hits in found.items()},
            "false_alarms_per_26_weeks": float(np.mean(alarms)), "misses": misses}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--offset", type=int, default=1000)
    parser.add_argument("--seeds", type=int, default=10, help="worlds per kind")
    parser.add_argument("--out", default="benchmarks/results/monitor_rules.json")
    args = parser.parse_args()
    config = MonitorConfig(report_weeks=60, drill_limit=0)
    worlds = []
    for kind, (first, last) in seed_ranges(args.offset, args.seeds).items():
        for seed in range(first, last + 1):
            drift = None if kind == "none" else draw_drift(kind, seed)
            _, bands, seconds = monitor(seed, () if drift is None else (drift,), config)
            worlds.append((seed, kind, drift, bands))
            print(kind, seed, f"{seconds:.1f} s", flush=True)
    results = {name: score(worlds, rule, ratio) for name, (rule, ratio) in VARIANTS.items()}
    for name, result in results.items():
        print(f"{name}: {result['within_budget']:.3f} within budget, "
              f"{result['false_alarms_per_26_weeks']:.3f} false alarms per 26 weeks")
    write_json(Path(args.out), {"offset": args.offset, "seeds_per_kind": args.seeds,
                                "seeds": seed_ranges(args.offset, args.seeds),
                                "variants": results})


if __name__ == "__main__":
    main()
