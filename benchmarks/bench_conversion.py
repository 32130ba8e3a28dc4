"""Benchmark the lead conversion model; write benchmarks/results/conversion.json.

1. standalone: a plain DataFrame without a time column, cross-validated calibration.
2. fit_1m: fit on 1M labelled leads of the large simulated world.
3. score_leads_100k: `channelwise score-leads` on 100k leads, with reasons (a subprocess).
4. ground_truth: the acceptance figures on the default world (seed 42).
5. final_calibration_study: per-channel P(convert) error against truth for both ways of
   calibrating the final model, on three default worlds (docs/conversion.md quotes it).
6. team_form_study: validation ROC-AUC with and without the team form features on the same
   three worlds, beside the truth's AUCs (full, last month's team skill, fixed team skill).

Usage: python benchmarks/bench_conversion.py [--out benchmarks/results/conversion.json]
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from features.leads import build_lead_features
from models.conversion.evaluation import binary_metrics
from models.conversion.model import LeadConversionModel
from models.conversion.rows import labelled_leads, model_columns
from models.conversion.store import save_conversion_model
from models.conversion.training import ConversionSettings, FinalCalibration
from models.io import write_json, write_table
from models.simulation.generator import lead_table, simulate_lead_truth, simulate_world
from models.simulation.lead_recovery import recover_conversion

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"fit_1m_seconds": 180, "score_leads_100k_seconds": 20}


def labelled_rows(leads: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Model columns and labels of the leads whose 120-day window has closed."""
    cutoff = leads["created_at"].max().normalize() + pd.Timedelta(days=1)
    features = build_lead_features(leads, cutoff)
    rows = labelled_leads(leads, features, cutoff, 120)
    columns = [c for c in model_columns(features) if c != "created_month"]
    return rows[columns], rows["converted"]


def standalone() -> dict[str, Any]:
    """Shuffle the default world's leads, drop time, fit on 80%, judge on 20%."""
    X, y = labelled_rows(simulate_world(42, "default").leads)
    order = np.random.default_rng(0).permutation(len(X))
    test, train = order[: len(X) // 5], order[len(X) // 5 :]
    start = time.perf_counter()
    model = LeadConversionModel(random_state=0).fit(X.iloc[train], y.iloc[train])
    seconds = time.perf_counter() - start
    metrics = binary_metrics(y.iloc[test].to_numpy(), model.predict_proba(X.iloc[test])[:, 1])
    return {"rows": len(train), "time_column": False, "fit_seconds": round(seconds, 1),
            "calibration": f"{model.calibration}, {model.cv}-fold out of fold",
            "roc_auc": metrics["roc_auc"], "ece": metrics["ece"], "works": True}


def large_leads(n_leads: int) -> pd.DataFrame:
    """The first `n_leads` leads of the large simulated world."""
    _, latent, teams = simulate_lead_truth(42, "large")
    return lead_table(latent, teams).iloc[:n_leads].reset_index(drop=True)


def fit_1m(leads: pd.DataFrame) -> dict[str, Any]:
    """Time a default fit on the first 1M labelled leads."""
    X, y = labelled_rows(leads)
    X, y = X.iloc[:1_000_000], y.iloc[:1_000_000]
    start = time.perf_counter()
    model = LeadConversionModel(random_state=0).fit(X, y)
    seconds = time.perf_counter() - start
    return {"rows": len(X), "fit_seconds": round(seconds, 1),
            "target_seconds": TARGETS["fit_1m_seconds"],
            "num_leaves": model.config_.params["num_leaves"], "rounds": model.config_.rounds,
            "threads": model.config_.params["num_threads"],
            "calibration": "internal 10% holdout (>= 100k rows)"}


def score_100k(leads: pd.DataFrame, model: LeadConversionModel, work: Path) -> dict[str, Any]:
    """Time `channelwise score-leads` on 100k leads in a fresh process."""
    save_conversion_model(work / "model", model)
    write_table(work, "leads", leads.tail(100_000), "csv")
    command = [sys.executable, "-m", "pipelines.cli", "score-leads",
               "--leads", str(work / "leads.csv"), "--out", str(work / "scores.csv"),
               "--model-dir", str(work / "model"), "--cltv", str(work / "absent.csv")]
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, capture_output=True,
                   env=os.environ | {"PYTHONPATH": str(ROOT)})
    seconds = time.perf_counter() - start
    scores = pd.read_csv(work / "scores.csv")
    return {"leads": len(scores), "seconds": round(seconds, 1),
            "target_seconds": TARGETS["score_leads_100k_seconds"],
            "with_reasons": bool(scores["reason_3"].notna().all())}


def final_calibration_study(seeds: tuple[int, ...] = (42, 7, 3)) -> dict[str, Any]:
    """Max |relative error| of channel P(convert) per seed, for each final calibration."""
    study: dict[str, Any] = {}
    for method in FinalCalibration:
        settings = ConversionSettings(final_calibration=method)
        study[str(method)] = {
            str(seed): recover_conversion(seed, "default", settings).summary()[
                "max_abs_channel_relative_error"]
            for seed in seeds
        }
    return study


TEAM_FORM_COLUMNS = ("team_form_30d", "team_form_90d")


def team_form_study(seeds: tuple[int, ...] = (42, 7, 3)) -> dict[str, Any]:
    """Validation ROC-AUC with and without the team form, and the truth's AUCs, per seed."""
    without = ConversionSettings(exclude_features=("created_month", *TEAM_FORM_COLUMNS))
    study: dict[str, Any] = {}
    for seed in seeds:
        full = recover_conversion(seed, "default").summary()
        blind = recover_conversion(seed, "default", without).summary()
        study[str(seed)] = {
            "roc_auc_with_team_form": full["roc_auc_model"],
            "roc_auc_without_team_form": blind["roc_auc_model"],
            "roc_auc_baseline_with_team_form": full["roc_auc_baseline"],
            "roc_auc_ceiling": full["roc_auc_ceiling"],
            "roc_auc_lagged_team_ceiling": full["roc_auc_lagged_team_ceiling"],
            "roc_auc_static_team_ceiling": full["roc_auc_static_team_ceiling"],
        }
    return study


def main() -> None:
    """Run every benchmark and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(ROOT / "benchmarks/results/conversion.json"))
    out = Path(parser.parse_args().out)
    results: dict[str, Any] = {"machine": {"cpus": os.cpu_count(),
                                           "python": platform.python_version()}}
    results["standalone"] = standalone()
    recovery = recover_conversion(42, "default")
    results["ground_truth_default_seed_42"] = recovery.summary()
    leads = large_leads(1_500_000)
    results["fit_1m"] = fit_1m(leads)
    with tempfile.TemporaryDirectory() as work:
        results["score_leads_100k"] = score_100k(leads, recovery.result.model, Path(work))
    results["final_calibration_study"] = final_calibration_study()
    results["team_form_study"] = team_form_study()
    write_json(out, results)
    print(out.read_text())


if __name__ == "__main__":
    main()
