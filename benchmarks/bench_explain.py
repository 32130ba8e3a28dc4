"""Native TreeSHAP on 1M rows of the CLTV model, and its ratio to shap.TreeExplainer.

Rows: the CLTV model's own rows (every customer of data/prepared as of the model's as_of,
encoded with its schema), resampled with replacement to 1M with every numeric feature
multiplied by exp(N(0, 0.05)), so the rows are distinct. The model is data/models/cltv/model.txt
from `make run` (the default world).

Timed:
- `models.explain.tables.native_shap` on all 1M rows (grouped native TreeSHAP, one thread);
- `shap.TreeExplainer(booster).shap_values` on a 50k subsample, extrapolated linearly to 1M
  (on 1M rows it would take many minutes); for a LightGBM Booster it calls LightGBM's
  `pred_contrib` on every row, so it is also "plain native TreeSHAP";
- shap's own C++ TreeSHAP (`model_type = "internal"`) on 5k rows, extrapolated: an
  independent implementation (it misreads LightGBM categorical splits, so time only).
Checked: max |native - TreeExplainer| on the 50k rows, and base + sum(SHAP) = raw score.

Usage: python benchmarks/bench_explain.py [--rows 1000000] -> benchmarks/results/explain.json
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
import shap

from models.explain.rows import cltv_rows
from models.explain.tables import native_shap
from models.io import load_booster, write_json
from pipelines.inputs import read_prepared
from pipelines.params import load_params

BUDGET_S = 60.0
TREE_EXPLAINER_ROWS = 50_000
INTERNAL_ROWS = 5_000
OUT = Path("benchmarks/results/explain.json")


def benchmark_rows(features: pd.DataFrame, kinds: list[str], rows: int, seed: int) -> pd.DataFrame:
    """Resample encoded rows to ``rows`` and jitter numeric features so rows are distinct."""
    rng = np.random.default_rng(seed)
    matrix = features.to_numpy(dtype=np.float64)[rng.integers(0, len(features), rows)]
    numeric = [i for i, kind in enumerate(kinds) if kind == "numeric"]
    matrix[:, numeric] *= np.exp(rng.normal(0.0, 0.05, (rows, len(numeric))))
    return pd.DataFrame(matrix, columns=features.columns)


def timed(function, *args, **kwargs):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    params = load_params("params.yaml")
    model_path = params.paths.models / "cltv" / "model.txt"
    if not model_path.is_file():
        sys.exit(f"{model_path} not found: run `make run` first")
    booster, metadata = load_booster(model_path)
    data = read_prepared(params.paths.prepared)
    source = cltv_rows(data.customers, data.orders, metadata)
    rows = benchmark_rows(source.features, metadata["schema"]["kinds"], args.rows, params.seed)
    load_before = os.getloadavg()[0]

    (values, base), native_s = timed(native_shap, booster, rows)
    raw = booster.predict(rows.to_numpy(), raw_score=True)
    additivity = float(np.abs(base + values.sum(axis=1) - raw).max())

    sample = rows.iloc[:TREE_EXPLAINER_ROWS]
    explainer = shap.TreeExplainer(booster)
    reference, explainer_s = timed(explainer.shap_values, sample)
    max_diff = float(np.abs(np.asarray(reference) - values[:TREE_EXPLAINER_ROWS]).max())
    explainer_1m = explainer_s * args.rows / len(sample)

    internal = shap.TreeExplainer(booster)
    internal.model.model_type = "internal"
    _, internal_s = timed(internal.shap_values, sample.iloc[:INTERNAL_ROWS].to_numpy(),
                          check_additivity=False)
    internal_1m = internal_s * args.rows / INTERNAL_ROWS

    result = {
        "model": {"path": str(model_path), "trees": booster.num_trees(),
                  "num_leaves": int(booster.params.get("num_leaves", 0)),
                  "features": booster.num_feature(),
                  "objective": str(booster.params.get("objective"))},
        "rows": args.rows,
        "distinct_of_first_100k_rows": len(np.unique(rows.to_numpy()[:100_000], axis=0)),
        "native_shap_s": round(native_s, 2),
        "native_rows_per_s": round(args.rows / native_s),
        "native_threads": 1,
        "budget_s": BUDGET_S,
        "within_budget": native_s < BUDGET_S,
        "tree_explainer": {
            "rows_timed": len(sample), "seconds": round(explainer_s, 2),
            "extrapolated_1m_s": round(explainer_1m, 1),
            "note": "timed on a 50k subsample and extrapolated linearly to the full row "
                    "count; for a LightGBM Booster shap.TreeExplainer calls LightGBM's "
                    "pred_contrib on every row"},
        "ratio_tree_explainer_to_native": round(explainer_1m / native_s, 1),
        "shap_internal_treeshap": {
            "rows_timed": INTERNAL_ROWS, "seconds": round(internal_s, 2),
            "extrapolated_1m_s": round(internal_1m, 1),
            "ratio_to_native": round(internal_1m / native_s, 1),
            "note": "shap's own C++ TreeSHAP, timed on 5k rows and extrapolated; "
                    "time only (it misreads LightGBM categorical splits)"},
        "max_abs_diff_vs_tree_explainer": max_diff,
        "max_abs_additivity_error": additivity,
        "machine": {"cpus": os.cpu_count(), "load_average_before": round(load_before, 2),
                    "python": platform.python_version(), "lightgbm": lgb.__version__,
                    "shap": shap.__version__, "numpy": np.__version__},
    }
    write_json(OUT, result)
    print(f"native TreeSHAP: {args.rows:,} rows in {native_s:.1f} s "
          f"(budget {BUDGET_S:.0f} s); shap.TreeExplainer ~{explainer_1m:.0f} s "
          f"(x{explainer_1m / native_s:.1f}); max diff {max_diff:.2e}. Wrote {OUT}")


if __name__ == "__main__":
    main()
