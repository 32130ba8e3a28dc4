"""The one MLflow logger of the training stages: params, metrics, model, run id and version.

The run id and registered version go to a run record (``paths.runs``), never into the
DVC-tracked metrics: those stay byte-identical between runs, the run id cannot.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from models.io import write_json
from pipelines.outputs import run_record
from pipelines.params import Paths

if TYPE_CHECKING:
    import lightgbm as lgb
    import pandas as pd
    from _typeshed import DataclassInstance

DEFAULT_TRACKING_URI = "sqlite:///mlflow.db"
DEFAULT_EXPERIMENT = "channelwise"


@dataclass(frozen=True)
class LoggedModel:
    """A booster to log with the LightGBM flavour and register under ``name``.

    ``input_example`` gives the logged model its signature. The requirement on LightGBM is
    stated rather than inferred (inference re-imports the model in a subprocess, seconds).
    """

    name: str
    booster: lgb.Booster
    input_example: pd.DataFrame


def lgb_version() -> str:
    """Return the installed LightGBM version, pinned in every logged model's requirements."""
    import lightgbm

    return str(lightgbm.__version__)


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


def flatten_params(params: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Return params as strings, nested dicts keyed ``outer_inner`` (MLflow is flat)."""
    flat: dict[str, str] = {}
    for key, value in params.items():
        if isinstance(value, dict):
            flat |= flatten_params(value, f"{prefix}{key}_")
        else:
            flat[f"{prefix}{key}"] = str(value)
    return flat


def log_run(
    paths: Paths,
    stage: str,
    params: dict[str, Any] | DataclassInstance,
    metrics: dict[str, Any],
    model: LoggedModel | None = None,
    artifacts: Sequence[Path] = (),
) -> dict[str, str]:
    """Log one MLflow run of ``stage``; write and return its record (run id, model version).

    Parameters
    ----------
    paths : Paths
        The record goes to :func:`pipelines.outputs.run_record` under ``paths.runs``.
    stage : str
        The DVC stage; also the run name and the artifact folder of ``artifacts``.
    params : dict or dataclass
        The stage's params as DVC sees them, flattened to ``outer_inner`` strings.
    metrics : dict
        The stage's metrics, flattened to finite numbers.
    model : LoggedModel, optional
        A booster to log with an input example and register by name.
    artifacts : sequence of Path
        Files or folders attached to the run.
    """
    import mlflow  # heavy import; only training stages pay for it

    configure_mlflow()
    record: dict[str, str] = {"stage": stage}
    with mlflow.start_run(run_name=stage) as run:
        mlflow.log_params(flatten_params(params if isinstance(params, dict) else asdict(params)))
        mlflow.log_metrics(flatten_metrics(metrics))
        if model is not None:
            info = mlflow.lightgbm.log_model(
                model.booster, name="model", input_example=model.input_example,
                registered_model_name=model.name,
                pip_requirements=[f"lightgbm=={lgb_version()}"])
            record |= {"registered_model": model.name,
                       "model_version": str(info.registered_model_version)}
        for path in artifacts:
            if path.is_dir():
                mlflow.log_artifacts(str(path), artifact_path=stage)
            else:
                mlflow.log_artifact(str(path), artifact_path=stage)
        record["run_id"] = str(run.info.run_id)
    write_json(run_record(stage).path(paths), record)
    return record
