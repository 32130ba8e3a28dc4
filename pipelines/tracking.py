"""MLflow set-up shared by the training stages: sqlite by default, env var overrides."""

from __future__ import annotations

import math
import os
from typing import Any

DEFAULT_TRACKING_URI = "sqlite:///mlflow.db"
DEFAULT_EXPERIMENT = "channelwise"


def tracking_uri() -> str:
    """Return ``MLFLOW_TRACKING_URI`` when set, else the local sqlite store."""
    return os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING_URI


def configure_mlflow(experiment: str = DEFAULT_EXPERIMENT) -> str:
    """Point MLflow at the tracking store and select the experiment; return the URI."""
    import mlflow  # heavy import; only training stages pay for it

    uri = tracking_uri()
    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment(experiment)
    return uri


def flatten_metrics(metrics: dict[str, Any], prefix: str = "") -> dict[str, float]:
    """Return the finite numbers of a nested dict, keyed ``outer_inner`` (MLflow is flat)."""
    flat: dict[str, float] = {}
    for key, value in metrics.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat |= flatten_metrics(value, f"{name}_")
        elif isinstance(value, int | float) and not isinstance(value, bool):
            if math.isfinite(float(value)):
                flat[name] = float(value)
    return flat
