"""The JSON summary of a KPI weight run: fit quality, importances, weights and provenance."""

from __future__ import annotations

from typing import Any

import pandas as pd

from models.kpi.profiles import unchanged_profiles
from models.kpi.weights import KpiWeightModel


def run_summary(
    model: KpiWeightModel, rows: pd.DataFrame, profile: str, used_cltv_model: bool
) -> dict[str, Any]:
    """Summarise the run: fit quality, raw and null importances, weights, provenance."""
    def by_kpi(series: pd.Series) -> dict[str, float]:
        return {str(kpi): float(value) for kpi, value in series.items()}

    evidence = model.evidence_
    return {
        "oof_r2": float(model.oof_r2_),
        "raw_importance": by_kpi(model.raw_importance_),
        "null_importance": by_kpi(model.null_importance_),
        "weights": by_kpi(model.weights_),
        "no_evidence": [kpi for kpi, ok in zip(evidence.kpis, evidence.evidence, strict=True)
                        if not ok],
        "no_evidence_fallback": bool(evidence.fallback),
        "profile": profile,
        "profiles_equal_to_balanced": unchanged_profiles(model.weights_),
        "rows": len(rows),
        "teams": int(rows["team"].nunique()),
        "months": [str(rows["month"].min().date()), str(rows["month"].max().date())],
        "outcome_source": "cltv_model" if used_cltv_model else "value_curve",
        "outcome_estimated_share": float(rows["predicted_share"].mean()),
    }
