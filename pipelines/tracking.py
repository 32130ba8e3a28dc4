"""MLflow set-up shared by the training stages: sqlite by default, env var overrides."""

from __future__ import annotations

import os

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
