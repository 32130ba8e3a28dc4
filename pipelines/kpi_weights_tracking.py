"""Outputs of stage ``kpi_weights`` beyond the CSVs: its metrics, figure and MLflow run."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from models.io import atomic_path
from models.kpi.profiles import unchanged_profiles
from models.kpi.weights import KpiWeightModel
from pipelines.kpi_weights_params import KpiWeightsParams
from pipelines.tracking import configure_mlflow, flatten_metrics


def save_figure(path: Path, figure: Figure) -> Path:
    """Save a figure as PNG atomically, without metadata that changes between runs."""
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=110, metadata={"Software": None})
    return path


def summary(
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


def log_kpi_weights_run(
    cfg: KpiWeightsParams, metrics: dict[str, Any], artifacts: list[Path]
) -> str:
    """Log one MLflow run with the stage's params, metrics and reports; return its id."""
    import mlflow  # heavy import; only the stage pays for it

    params = {"profile": cfg.profile.value, "horizon_days": cfg.horizon_days,
              "horizon_months": cfg.horizon_months}
    params |= {f"windows_{k}": v for k, v in asdict(cfg.windows).items()}
    params |= {f"booster_{k}": v for k, v in cfg.booster.to_dict().items()}
    params |= {f"model_{k}": v for k, v in cfg.model.items()}
    params |= {f"targets_{k}": v for k, v in asdict(cfg.targets).items()}
    configure_mlflow()
    with mlflow.start_run(run_name="kpi_weights") as run:
        mlflow.log_params({key: str(value) for key, value in params.items()})
        mlflow.log_metrics(flatten_metrics(metrics))
        for path in artifacts:
            mlflow.log_artifact(str(path), artifact_path="kpi_weights")
        return str(run.info.run_id)
