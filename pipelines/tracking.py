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
    pyfunc: PyfuncModel | None = None


@dataclass(frozen=True)
class PyfuncModel:
    """Log a model as MLflow pyfunc from code (no pickle) instead of the LightGBM flavour.

    ``code`` is a models-from-code script (it calls ``mlflow.models.set_model``);
    ``artifacts`` maps names to the files or folders it loads. ``inputs`` (of which
    ``required`` must be present) and ``outputs`` give the signature.
    """

    code: Path
    artifacts: dict[str, Path]
    inputs: dict[str, str]  # column -> MLflow type: string, double, or any
    required: tuple[str, ...]
    outputs: dict[str, str]


@dataclass(frozen=True)
class PromotionGate:
    """How a new version earns the ``champion`` alias: its backtest beats the champion's.

    ``metric`` is the flattened backtest metric, ``margin`` the relative improvement it
    must show; ``backtest`` names the metrics (dotted paths) that pin the backtest down,
    since two versions compare only on the same temporal backtest.
    """

    metric: str
    higher_is_better: bool
    margin: float
    backtest: tuple[str, ...]


# A version must beat the champion by 0.5% (relative) on the same backtest. Smaller gains
# are left to a person: one validation slice cannot tell them from noise.
PROMOTION_MARGIN = 0.005
GATES = {
    "lead_conversion": PromotionGate("model_log_loss", False, PROMOTION_MARGIN, ("split",)),
    "cltv": PromotionGate("backtest_lightgbm_normalised_gini", True, PROMOTION_MARGIN,
                          ("backtest.as_of", "backtest.customers", "backtest.horizon_days")),
}
CHAMPION, CHALLENGER = "champion", "challenger"


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
            gate = GATES.get(model.name)
            if gate is not None:
                mlflow.set_tag("backtest", backtest_key(metrics, gate))
            version = str(_log_model(model).registered_model_version)
            record |= {"registered_model": model.name, "model_version": version}
            if gate is not None:
                alias, reason = promote(model.name, version, metrics, gate)
                record |= {"alias": alias, "promotion": reason}
                print(f"{stage}: {reason}")
        for path in artifacts:
            if path.is_dir():
                mlflow.log_artifacts(str(path), artifact_path=stage)
            else:
                mlflow.log_artifact(str(path), artifact_path=stage)
        record["run_id"] = str(run.info.run_id)
    write_json(run_record(stage).path(paths), record)
    return record


def _log_model(model: LoggedModel) -> Any:
    """Log and register the model: pyfunc from code when given, else the LightGBM flavour."""
    import mlflow

    requirements = [f"lightgbm=={lgb_version()}"]
    if model.pyfunc is None:
        return mlflow.lightgbm.log_model(
            model.booster, name="model", input_example=model.input_example,
            registered_model_name=model.name, pip_requirements=requirements)
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, Schema
    from mlflow.types.schema import AnyType

    spec = model.pyfunc
    inputs = Schema([ColSpec(AnyType() if kind == "any" else kind, name,
                             required=name in spec.required) for name, kind in spec.inputs.items()])
    outputs = Schema([ColSpec(kind, name) for name, kind in spec.outputs.items()])
    return mlflow.pyfunc.log_model(
        name="model", python_model=str(spec.code),
        artifacts={key: str(path) for key, path in spec.artifacts.items()},
        signature=ModelSignature(inputs, outputs), input_example=model.input_example,
        registered_model_name=model.name, pip_requirements=requirements)


def nested(metrics: dict[str, Any], dotted: str) -> Any:
    """Return ``metrics["a"]["b"]`` for ``"a.b"``, or None when a key is absent."""
    value: Any = metrics
    for key in dotted.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def backtest_key(metrics: dict[str, Any], gate: PromotionGate) -> str:
    """Return a short hash of what pins the backtest down (its rows and dates)."""
    import hashlib
    import json

    pinned = {path: nested(metrics, path) for path in gate.backtest}
    text = json.dumps(pinned, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Standing:
    """A version's backtest: its metric value and the key of the backtest it came from."""

    version: str
    value: float | None
    backtest: str | None


def decide(new: Standing, champion: Standing | None, gate: PromotionGate) -> tuple[str, str]:
    """Return the alias the new version earns and the one-line reason.

    ``champion`` when there is none yet, or when on the same backtest the new metric beats
    the champion's by ``gate.margin`` (relative); ``challenger`` otherwise.
    """
    label = f"v{new.version} {gate.metric}={_fmt(new.value)}"
    if new.value is None:
        return CHALLENGER, f"{label}: no backtest metric, so challenger"
    if champion is None:
        return CHAMPION, f"{label}: first version with a backtest, so champion"
    against = f"champion v{champion.version} {_fmt(champion.value)}"
    if champion.value is None or champion.backtest != new.backtest:
        return CHALLENGER, (f"{label}: challenger, {against} was measured on another "
                            "backtest (other data or dates); compare them before promoting")
    step = gate.margin * abs(champion.value)
    needed = champion.value + step if gate.higher_is_better else champion.value - step
    better = new.value >= needed if gate.higher_is_better else new.value <= needed
    if better:
        return CHAMPION, f"{label}: champion, beats {against} by the {gate.margin:.1%} margin"
    return CHALLENGER, (f"{label}: challenger, needs {'>=' if gate.higher_is_better else '<='} "
                        f"{_fmt(needed)} to beat {against} by {gate.margin:.1%}")


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4g}"


def standing(client: Any, name: str, version: str, gate: PromotionGate) -> Standing:
    """Read a registered version's backtest metric and backtest key from its run."""
    run = client.get_run(client.get_model_version(name, version).run_id)
    return Standing(version, run.data.metrics.get(gate.metric), run.data.tags.get("backtest"))


def promote(
    name: str, version: str, metrics: dict[str, Any], gate: PromotionGate
) -> tuple[str, str]:
    """Set ``champion`` or ``challenger`` on a new version; return the alias and the reason."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    client = MlflowClient()
    new = Standing(version, flatten_metrics(metrics).get(gate.metric),
                   backtest_key(metrics, gate))
    try:
        current = client.get_model_version_by_alias(name, CHAMPION)
        champion: Standing | None = standing(client, name, str(current.version), gate)
    except MlflowException:  # no champion yet
        champion = None
    alias, reason = decide(new, champion, gate)
    client.set_registered_model_alias(name, alias, version)
    return alias, f"{name} {reason}"
