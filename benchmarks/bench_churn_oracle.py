"""How soon could *anyone* see the churn drift? An oracle detector on the monitor's worlds.

The oracle knows what no real monitor can: every customer's true purchase rate and lifetime
hazard, the channel that changes and the size of the change (hazard x 2). From each day's
orders it runs Page's CUSUM of the exact log-likelihood ratio "hazard x 2 since the last
restart" against "no change": each customer's probability of being alive is filtered under
both hypotheses (orders reveal the customer alive; silence lowers the probability), and the
alternative's filter restarts from the null's whenever the CUSUM returns to zero.

It is a bound, not a method: with the same false-alarm budget, a monitor that must also
estimate the rates and hazards cannot do better on average. It runs on the held-out worlds
of ``bench_monitor.py`` (churn seeds 101-110 and 501-510, the channel that drifts; no-drift
seeds 401-410 and 801-810, every paid and organic channel) and reports, for a grid of CUSUM
thresholds, the false alarms per channel series per 26 weeks (the last 52 weeks, as the
monitor's benchmark counts them) and the churn changes found within 16 weeks. channelwise's
own delays on the same worlds are read from ``benchmarks/results/monitor.json``.

Usage: python benchmarks/bench_churn_oracle.py [--out benchmarks/results/churn_oracle.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models.io import write_json
from models.simulation.drift import Drift, apply_drifts, start_time
from models.simulation.generator import simulate_lead_truth, simulate_world, world_for
from models.simulation.tables import end_of_data, lead_table, order_table
from models.simulation.world import START_WEEK

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_monitor as bm  # benchmarks/ is not a package

CHURN_SEEDS = (*range(101, 111), *range(501, 511))
NONE_SEEDS = (*range(401, 411), *range(801, 811))
THRESHOLDS = (4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0)
SIZE = 2.0
BUDGET_WEEKS = 16
FA_WEEKS = 52
DAY = pd.Timedelta(days=1)


def world_latent(seed: int, drifts: tuple[Drift, ...]) -> tuple[Any, pd.DataFrame, pd.DataFrame,
                                                                 pd.DataFrame]:
    """The simulator's steps of ``simulate_world`` with the per-lead truth kept."""
    world = world_for(seed, False)
    _, latent, teams = simulate_lead_truth(seed, "default", world)
    latent = apply_drifts(latent, drifts, teams, world.channels, seed) if drifts else latent
    leads = lead_table(latent, teams, world.channels)
    orders = order_table(np.random.default_rng(np.random.SeedSequence([seed, 7])), leads, latent)
    return world, latent, leads, orders


def day_index(stamps: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    return np.asarray((pd.DatetimeIndex(stamps) - START_WEEK) // DAY, dtype=np.int64)


def llr_increments(world: Any, latent: pd.DataFrame, leads: pd.DataFrame, orders: pd.DataFrame,
                   channel: str) -> np.ndarray:
    """Daily log-likelihood ratio of a doubled hazard, summed over the channel's customers."""
    code = [spec.name for spec in world.channels].index(channel)
    mine = leads["customer_id"].notna().to_numpy() & (latent["channel_idx"].to_numpy() == code)
    ids = leads.loc[mine, "customer_id"].to_numpy()
    acquired = day_index(leads.loc[mine, "converted_at"])
    p = 1.0 - np.exp(-latent.loc[mine, "purchases_per_day"].to_numpy())
    h0 = 1.0 - np.exp(-1.0 / latent.loc[mine, "lifetime_mean_days"].to_numpy())
    h1 = 1.0 - (1.0 - h0) ** SIZE
    n_days = int((end_of_data() - START_WEEK) // DAY)
    theirs = orders[orders["customer_id"].isin(ids)]
    ordered = np.zeros((len(ids), n_days + 1), dtype=bool)
    who = pd.Index(ids).get_indexer(theirs["customer_id"])
    ordered[who, day_index(theirs["ordered_at"])] = True
    alive0, alive1 = np.zeros(len(ids)), np.zeros(len(ids))
    out, cusum = np.zeros(n_days + 1), 0.0
    for t in range(n_days + 1):
        active = acquired < t
        seen = ordered[:, t] & active
        buy0, buy1 = alive0 * (1.0 - h0) * p, alive1 * (1.0 - h1) * p
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(seen, np.log(buy1 / buy0), np.log((1.0 - buy1) / (1.0 - buy0)))
        out[t] = float(np.where(active, np.nan_to_num(step), 0.0).sum())
        cusum = max(0.0, cusum + out[t])
        reset = seen | (acquired == t)
        alive0 = np.where(reset, 1.0, np.where(active, alive0 * (1.0 - h0) * (1.0 - p)
                                               / (1.0 - buy0), 0.0))
        alive1 = np.where(reset, 1.0, np.where(active, alive1 * (1.0 - h1) * (1.0 - p)
                                               / (1.0 - buy1), 0.0))
        if cusum == 0.0:
            alive1 = alive0.copy()
    return out


def alarm_days(increments: np.ndarray, threshold: float) -> list[int]:
    """Days a CUSUM of the increments reaches the threshold (restarting at 0 after each)."""
    days, cusum = [], 0.0
    for t, step in enumerate(increments):
        cusum = max(0.0, cusum + step)
        if cusum >= threshold:
            days.append(t)
            cusum = 0.0
    return days


def channelwise_delays(path: Path) -> dict[int, float | None]:
    """channelwise's churn delays on the same seeds, from the monitor benchmark's JSON."""
    if not path.exists():
        return {}
    report = json.loads(path.read_text())
    cases = report["cases"]["churn"] + report.get("fresh_held_out", {}).get(
        "cases", {}).get("churn", [])
    return {int(c["seed"]): c["delay_weeks"] for c in cases}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="benchmarks/results/churn_oracle.json")
    parser.add_argument("--monitor", default="benchmarks/results/monitor.json")
    args = parser.parse_args()
    n_days = int((end_of_data() - START_WEEK) // DAY)
    # the internals reproduce the simulator's tables exactly
    world, latent, leads, orders = world_latent(NONE_SEEDS[0], ())
    assert orders.equals(simulate_world(NONE_SEEDS[0], "default").orders)
    changes = []
    for seed in CHURN_SEEDS:
        drift = bm.draw_drift("churn", seed)
        world, latent, leads, orders = world_latent(seed, (drift,))
        changes.append({"seed": seed, "segment": drift.segment,
                        "start_day": int((start_time(drift) - START_WEEK) // DAY),
                        "increments": llr_increments(world, latent, leads, orders,
                                                     drift.segment)})
        print("churn", seed, drift.segment, flush=True)
    quiet = []
    for seed in NONE_SEEDS:
        world, latent, leads, orders = world_latent(seed, ())
        quiet += [llr_increments(world, latent, leads, orders, spec.name)
                  for spec in world.channels]
        print("none", seed, flush=True)
    theirs = channelwise_delays(Path(args.monitor))
    grid = []
    for threshold in THRESHOLDS:
        alarms = [sum(day >= n_days - 7 * FA_WEEKS for day in alarm_days(inc, threshold))
                  for inc in quiet]
        rows = []
        for change in changes:
            after = [d for d in alarm_days(change["increments"], threshold)
                     if d >= change["start_day"]]
            delay = round((after[0] - change["start_day"]) / 7.0, 1) if after else None
            rows.append({"seed": change["seed"], "segment": change["segment"],
                         "oracle_delay_weeks": delay,
                         "channelwise_delay_weeks": theirs.get(change["seed"])})
        within = [r["oracle_delay_weeks"] is not None
                  and r["oracle_delay_weeks"] <= BUDGET_WEEKS for r in rows]
        grid.append({
            "threshold": threshold,
            "false_alarms_per_channel_series_per_26_weeks":
                round(float(np.mean(alarms)) * 26.0 / FA_WEEKS, 4),
            "within_16_weeks": float(np.mean(within)),
            "median_delay_weeks": float(np.median([r["oracle_delay_weeks"] or np.inf
                                                   for r in rows])),
            "cases": rows})
        print(threshold, grid[-1]["false_alarms_per_channel_series_per_26_weeks"],
              grid[-1]["within_16_weeks"], flush=True)
    write_json(Path(args.out), {
        "settings": {"churn_seeds": [101, 110, 501, 510], "no_drift_seeds": [401, 410, 801, 810],
                     "size": SIZE, "budget_weeks": BUDGET_WEEKS, "fa_weeks": FA_WEEKS,
                     "channel_series": len(quiet),
                     "channelwise_from": args.monitor},
        "machine": {"cpus": 2, "python": platform.python_version()},
        "thresholds": grid})


if __name__ == "__main__":
    main()
