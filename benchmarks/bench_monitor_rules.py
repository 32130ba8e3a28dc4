"""Alert rules compared on the same worlds: the bands are computed once, the rules scored on them.

The costly part of a monitoring run is the KPI series and their bands; the alert rule (CUSUM
threshold, indifference zones), the CAC's test and the pooling of the error divisors act on
the bands' events alone. This benchmark builds each world's bands once, with today's
defaults, and scores every variant in :data:`VARIANTS` on them, with the detection and
false-alarm measures of ``bench_monitor.py``. It reproduces the session-30 choice (the CAC's
count test, the segments' conversion zone, the 104-week false-alarm target) and the
session-31 one (divisors pooled by KPI and segment type, churn's alone; a 78-week target
tried with it and withdrawn after the sixth held-out set); see docs/monitoring.md.
Usage: python benchmarks/bench_monitor_rules.py [--offset 1000] [--seeds 10]
           [--out benchmarks/results/monitor_rules.json]
--offset 1000 runs tuning seeds (1101.., 1201.., 1301.., 1401..; the choices also used
1311-1320 and 1411-1420, and session 31 also 1111-1120 and 1211-1220); 0 and 400 the burned
held-out sets 1xx-4xx and 5xx-8xx.
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
from models.monitoring.bands import (
    SERIES_KEYS,
    UNPOOLED_KPIS,
    BandConfig,
    dispersion_groups,
    event_errors,
    wide_values,
)
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
AT_78 = dataclasses.replace(DEFAULT, false_alarm_weeks=78.0)
# name -> (rule, whether CAC keeps the old ratio test, how divisors are pooled: "off", "on"
# as today (churn's alone) or "all" (churn's too))
VARIANTS: dict[str, tuple[AlertRule, bool, str]] = {
    "before (208 weeks, CAC ratio, no segment zone)": (dataclasses.replace(
        DEFAULT, false_alarm_weeks=208.0, min_segment_conversion_change=0.0), True, "off"),
    "104 weeks alone": (dataclasses.replace(
        DEFAULT, min_segment_conversion_change=0.0), True, "off"),
    "CAC on its customers": (dataclasses.replace(
        DEFAULT, false_alarm_weeks=208.0, min_segment_conversion_change=0.0), False, "off"),
    "CAC on its customers, 104 weeks": (dataclasses.replace(
        DEFAULT, min_segment_conversion_change=0.0), False, "off"),
    "session 30 (CAC on its customers, 104 weeks, segment zone 0.03)": (DEFAULT, False, "off"),
    "session 30, zone 0.03 on the total too": (dataclasses.replace(
        DEFAULT, min_conversion_change=0.03), False, "off"),
    "session 30, zone 0.05 on the segments too": (dataclasses.replace(
        DEFAULT, min_segment_conversion_change=0.05), False, "off"),
    "session 30 at 78 weeks": (AT_78, False, "off"),
    "pooled divisors, churn's too": (DEFAULT, False, "all"),
    "today (session 30 with pooled divisors, churn's alone)": (DEFAULT, False, "on"),
    "today at 78 weeks (run once on the sixth set, withdrawn)": (AT_78, False, "on"),
}


def with_divisors(bands: pd.DataFrame, pool: str) -> pd.DataFrame:
    """The bands with the event tests' errors and units recomputed under ``pool``.

    Rebuilds the (series x week) events and expectations from the bands and divides their
    residuals as :func:`models.monitoring.bands.count_errors` does, with the divisors
    pooled as ``pool`` says. Weeks the bands leave out (too few rows) are missing from the
    divisors' windows here; on the tuning worlds "on" reproduces the bands' own alerts.
    """
    weeks = pd.DatetimeIndex(np.sort(bands["week"].unique()))
    keys, events = wide_values(bands, weeks, "events")
    expected = wide_values(bands, weeks, "expected_events")[1]
    config = BandConfig(pool_dispersion=pool != "off")
    groups = dispersion_groups(keys, config, unpooled=() if pool == "all" else UNPOOLED_KPIS)
    error, unit = event_errors(keys, events, expected, config, groups)
    tested = np.repeat(~np.isnan(expected).all(axis=1), len(weeks))
    fresh = pd.DataFrame({"week": np.tile(weeks.to_numpy(), len(keys)),
                          **{key: np.repeat(keys[key].to_numpy(), len(weeks))
                             for key in SERIES_KEYS},
                          "new_error": error.ravel(), "new_unit": unit.ravel(),
                          "tested": tested})
    merged = bands.merge(fresh, on=["week", *SERIES_KEYS], how="left", validate="one_to_one")
    return merged.assign(error=merged["error"].where(~merged["tested"], merged["new_error"]),
                         unit=merged["unit"].where(~merged["tested"], merged["new_unit"]))[
        list(bands.columns)]


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
    pooled = {pool: [(seed, kind, drift, with_divisors(bands, pool))
                     for seed, kind, drift, bands in worlds]
              for pool in sorted({pool for _, _, pool in VARIANTS.values()})}
    results = {name: score(pooled[pool], rule, ratio)
               for name, (rule, ratio, pool) in VARIANTS.items()}
    for name, result in results.items():
        print(f"{name}: {result['within_budget']:.3f} within budget, "
              f"{result['false_alarms_per_26_weeks']:.3f} false alarms per 26 weeks")
    write_json(Path(args.out), {"offset": args.offset, "seeds_per_kind": args.seeds,
                                "seeds": seed_ranges(args.offset, args.seeds),
                                "variants": results})


if __name__ == "__main__":
    main()
