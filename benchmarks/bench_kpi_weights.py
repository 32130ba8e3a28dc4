"""KPI weights on varied KPI worlds whose seeds were never used while choosing the method.

Each world (``simulate_world(noise_seed, kpi_world=truth_seed)``) is scored against its
truth.json: the vanity KPI's weight, whether the top weight goes to a true driver, whether a
conversion-skill KPI is in the top 3 (conversion worlds), whether ``retention_90d`` gets
weight (retention worlds), and the Spearman between the weights of two noise seeds of the
same truth. The weights are those of the ``profit`` phase (value net of spend), the stage's
default. It also times the stage's work on the default world.

Usage: python benchmarks/bench_kpi_weights.py
           [--seeds fresh_2|held_out|first_held_out|second_held_out|fresh|tuning]
                                              [--out benchmarks/results/kpi_weights.json]
The default set, fresh_2 (truth 6001-6024), is the one never used while choosing the current
method; the others have been seen (the note of each in the JSON's ``seeds``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from features.contract import Dataset, data_end
from features.kpis import KPI_NAMES, build_kpi_panel
from models.kpi.outcome import build_outcome
from models.kpi.phases import Phase, fit_phase, fit_phases
from models.kpi.scorecard import build_scorecard, scorecard_directions
from models.kpi.weights import KpiWeightModel
from models.simulation.generator import simulate_world

# Truth seeds looked at while choosing the method (noise seeds: truth seed + 100 and + 200):
# 1-10 for the design and its settings, 11-40 (after the first held-out run) for the 4% floor.
TUNING = {"truth_seeds": list(range(1, 41)), "noise_offsets": [100, 200]}
# Held out for the first version (2% floor); seen since (docs/kpis.md).
FIRST_HELD_OUT_TRUTH = list(range(1001, 1025))
# Never looked at before this benchmark's run with the 4% floor; two noise seeds per truth.
HELD_OUT_TRUTH = list(range(2001, 2025))
# A second, larger held-out set, first run in session 20 with the method unchanged, to narrow
# the estimates of the first (8 retention worlds are few for an 80% bar).
SECOND_HELD_OUT_TRUTH = list(range(3001, 3025))
# Never used by anyone for any choice before one run of the grouped between-team swap
# (group_correlation 0.7, issue 13), chosen on truth seeds 1-80 only (--seeds fresh).
FRESH_TRUTH = list(range(5001, 5025))
# Never used by anyone for any choice before one run of the grouped swap with the volume KPIs
# left to the within-team design (session 24), chosen on truth seeds 1-160 (noise + 100, one
# fit each; 81-160 first used then) only (--seeds fresh_2).
FRESH_2_TRUTH = list(range(6001, 6025))
NOISE_OFFSETS = (10_000, 20_000)
CONVERSION_KPIS = ("lead_to_customer_rate", "mql_to_sql_rate")
SETTINGS: dict[str, Any] = {"random_state": 0} | json.loads(os.environ.get("KPI_BENCH_SETTINGS",
                                                                           "{}"))
DEFAULTS = KpiWeightModel()
BARS = {"vanity_below_0_02": 0.95, "vanity_below_0_05": 1.0, "top_is_driver": 0.9,
        "conversion_kpi_in_top3": 0.9, "retention_weighted": 0.8, "spearman_at_least_0_8": 0.8,
        "stage_seconds": 60.0}


def world_rows(truth_seed: int | None, noise_seed: int) -> tuple[pd.DataFrame, dict[str, Any]]:
    """KPI panel joined to the outcomes (no CLTV model: value curves), and the truth."""
    world = simulate_world(noise_seed, "default", kpi_world=truth_seed)
    data = Dataset(customers=world.customers, orders=world.orders, spend=world.spend,
                   leads=world.leads)
    end = data_end(data)
    rows = build_kpi_panel(data, end).merge(build_outcome(data, end), on=["team", "month"])
    return rows, world.truth


def score_world(weights: pd.Series, truth: dict[str, Any]) -> dict[str, Any]:
    """The acceptance checks of one world's weights against its truth."""
    ranks = weights.rank(ascending=False, method="min")
    conversion = [k for k in CONVERSION_KPIS if k in weights and weights[k] > 0 and ranks[k] <= 3]
    return {
        "vanity_weight": float(max(weights.get(k, 0.0) for k in truth["vanity"])),
        "top_kpi": str(weights.idxmax()),
        "top_is_driver": str(weights.idxmax()) in truth["drivers"],
        "conversion_kpi_in_top3": bool(conversion),
        "retention_weight": float(weights.get("retention_90d", 0.0)),
    }


def run_world(truth_seed: int, noise_seeds: tuple[int, ...]) -> dict[str, Any]:
    """Fit the profit-phase weights on each noise seed of one truth and score them."""
    fits = []
    for noise in noise_seeds:
        started = time.perf_counter()
        rows, truth = world_rows(truth_seed, noise)
        kpis = [k for k in KPI_NAMES if k in rows.columns]
        model = fit_phase(rows, kpis, Phase.PROFIT, SETTINGS)
        fits.append({"noise_seed": noise, "weights": model.weights_.round(4).to_dict(),
                     "within_r2": round(model.within_r2_, 3),
                     "between_r2": round(model.between_r2_, 3),
                     "seconds": round(time.perf_counter() - started, 1),
                     **score_world(model.weights_, truth["kpi_world"])})
    kpi_truth = truth["kpi_world"]
    out = {"truth_seed": truth_seed, "value_driver": kpi_truth["value_driver"],
           "n_teams": kpi_truth["n_teams"], "lag_months": kpi_truth["lag_months"],
           "vanity_correlation_imposed": round(kpi_truth["vanity_correlation_imposed"], 3),
           "vanity_driver_correlation": round(kpi_truth["vanity_driver_correlation"], 3),
           "drivers": kpi_truth["drivers"], "fits": fits}
    if len(fits) == 2:
        first, second = (pd.Series(f["weights"]) for f in fits)
        out["spearman"] = round(float(spearmanr(first, second.reindex(first.index)).statistic), 3)
    return out


def time_stage() -> dict[str, Any]:
    """Time the stage's work on the default world (panel, outcome, 3 phases, scorecard)."""
    world = simulate_world(42, "default")
    data = Dataset(customers=world.customers, orders=world.orders, spend=world.spend,
                   leads=world.leads)
    started = time.perf_counter()
    end = data_end(data)
    panel = build_kpi_panel(data, end)
    rows = panel.merge(build_outcome(data, end), on=["team", "month"])
    kpis = [k for k in KPI_NAMES if k in panel.columns]
    models = fit_phases(rows, kpis, SETTINGS)
    table = models[Phase.PROFIT].weight_table()
    build_scorecard(panel[["team", "month", *kpis]], dict(zip(table["kpi"], table["weight"],
                                                              strict=True)),
                    scorecard_directions(table))
    return {"seconds": round(time.perf_counter() - started, 1),
            "weights_default_world": {phase.value: model.weights_.round(4).to_dict()
                                      for phase, model in models.items()},
            "note": "library work of stage kpi_weights (panel, outcome, 3 phases, scorecard) "
                    "on the default world, seed 42, without file I/O or MLflow"}


def summarise(worlds: list[dict[str, Any]], fit_index: int | None = 0) -> dict[str, Any]:
    """Shares of worlds meeting each bar: on each truth's first noise seed, or (None) all fits."""
    def fits(driver: str | None) -> list[dict[str, Any]]:
        chosen = [w for w in worlds if driver is None or w["value_driver"] == driver]
        return [f for w in chosen for i, f in enumerate(w["fits"])
                if fit_index is None or i == fit_index]

    first, conversion, retention = fits(None), fits("conversion"), fits("retention")
    vanity = np.array([f["vanity_weight"] for f in first])
    rhos = np.array([w["spearman"] for w in worlds if "spearman" in w])
    return {
        "worlds": len(worlds), "fits": len(first), "conversion_worlds": len(conversion),
        "retention_worlds": len(retention),
        "vanity_below_0_02": float(np.mean(vanity < 0.02)),
        "vanity_below_0_05": float(np.mean(vanity < 0.05)),
        "vanity_max": float(vanity.max()),
        "top_is_driver": float(np.mean([f["top_is_driver"] for f in first])),
        "conversion_kpi_in_top3": float(np.mean([f["conversion_kpi_in_top3"]
                                                 for f in conversion])) if conversion else None,
        "retention_weighted": float(np.mean([f["retention_weight"] > 0 for f in retention]))
        if retention else None,
        "spearman_at_least_0_8": float(np.mean(rhos >= 0.8)) if rhos.size else None,
        "spearman_median": float(np.median(rhos)) if rhos.size else None,
    }


def main() -> None:
    """Run the worlds, time the stage and write the JSON.

    ``summary`` scores the first noise seed of each truth (the bars); ``summary_every_fit``
    scores both noise seeds of every truth as separate worlds.
    """
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", choices=["held_out", "first_held_out", "second_held_out",
                                            "fresh", "fresh_2", "tuning"],
                        default="fresh_2")
    parser.add_argument("--out", default=None,
                        help="default benchmarks/results/kpi_weights.json for fresh_2, "
                             "else kpi_weights_<seeds>.json")
    args = parser.parse_args()
    if args.seeds == "tuning":
        pairs = [(t, tuple(t + offset for offset in TUNING["noise_offsets"]))
                 for t in TUNING["truth_seeds"]]
    else:
        truths = {"held_out": HELD_OUT_TRUTH, "first_held_out": FIRST_HELD_OUT_TRUTH,
                  "second_held_out": SECOND_HELD_OUT_TRUTH, "fresh": FRESH_TRUTH,
                  "fresh_2": FRESH_2_TRUTH}[args.seeds]
        pairs = [(t, tuple(t + offset for offset in NOISE_OFFSETS)) for t in truths]
    worlds = []
    for truth_seed, noise_seeds in pairs:
        worlds.append(run_world(truth_seed, noise_seeds))
        print(json.dumps({k: v for k, v in worlds[-1].items() if k != "fits"}
                         | {"first": {k: v for k, v in worlds[-1]["fits"][0].items()
                                      if k != "weights"}}), flush=True)
    summary, every_fit = summarise(worlds), summarise(worlds, None)
    stage = time_stage()
    result = {
        "seeds": {"set": args.seeds, "tuning": TUNING, "held_out_truth_seeds": HELD_OUT_TRUTH,
                  "first_held_out_truth_seeds": FIRST_HELD_OUT_TRUTH,
                  "second_held_out_truth_seeds": SECOND_HELD_OUT_TRUTH,
                  "fresh_truth_seeds": FRESH_TRUTH, "fresh_2_truth_seeds": FRESH_2_TRUTH,
                  "fresh_note": "5001-5024 were never used for choosing: run once with the "
                                "grouped between-team swap (group_correlation 0.7), chosen "
                                "on truth seeds 1-80; the default afterwards for information",
                  "fresh_2_note": "6001-6024 were never used for choosing: run once with "
                                  "the grouped swap (0.7) and the volume KPIs (leads, "
                                  "activity_per_lead) left out of the between-team model, "
                                  "chosen on truth seeds 1-160 (noise +100)",
                  "noise_seeds": "truth seed + 10000 (scored) and + 20000 (stability pair)"},
        "method": {"settings": "KpiWeightModel defaults, then KPI_BENCH_SETTINGS",
                   "defaults": {"group_correlation": DEFAULTS.group_correlation,
                                "within_only": list(DEFAULTS.within_only)},
                   **SETTINGS, "phase": "profit", "scale": "default"},
        "bars": BARS, "summary": summary, "summary_every_fit": every_fit, "stage": stage,
        "bars_met": {
            key: (summary.get(key) is not None and summary[key] >= bar) if key != "stage_seconds"
            else stage["seconds"] <= bar for key, bar in BARS.items()},
        "worlds": worlds, "machine": {"python": platform.python_version(),
                                      "processor": platform.machine()},
    }
    out = Path(args.out or "benchmarks/results/kpi_weights"
               + ("" if args.seeds == "fresh_2" else f"_{args.seeds}") + ".json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({"summary": summary, "stage_seconds": stage["seconds"]}, indent=2))


if __name__ == "__main__":
    main()
