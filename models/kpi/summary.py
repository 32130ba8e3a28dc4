"""The JSON summary of a KPI weight run: fit quality, evidence, weights per phase, provenance."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from models.kpi.phases import Phase, unevidenced
from models.kpi.weights import KpiWeightModel


def run_summary(
    models: Mapping[Phase, KpiWeightModel], rows: pd.DataFrame, phase: Phase,
    used_cltv_model: bool,
) -> dict[str, Any]:
    """Summarise the run: held-out fit, error reductions and weights per phase, provenance."""
    def by_kpi(model: KpiWeightModel, values: Any) -> dict[str, float]:
        return {str(kpi): float(value) for kpi, value in zip(model.feature_names_in_, values,
                                                             strict=True)}

    selected = models[phase]
    return {
        "phase": phase.value,
        "within_r2": float(selected.within_r2_),
        "between_r2": float(selected.between_r2_),
        "error_reduction": by_kpi(selected, selected.facts_.reduction),
        "weights": by_kpi(selected, selected.weights_),
        "no_evidence": unevidenced(models)[phase.value],
        "no_evidence_fallback": bool(selected.evidence_.fallback),
        "phases": {p.value: {"weights": by_kpi(m, m.weights_), "within_r2": float(m.within_r2_),
                             "between_r2": float(m.between_r2_)} for p, m in models.items()},
        "no_evidence_by_phase": unevidenced(models),
        "rows": len(rows),
        "teams": int(rows["team"].nunique()),
        "months": [str(rows["month"].min().date()), str(rows["month"].max().date())],
        "outcome_source": "cltv_model" if used_cltv_model else "value_curve",
        "outcome_estimated_share": float(rows["predicted_share"].mean()),
    }
