"""MLflow logging of stage ``train_cltv``: the params and metrics DVC sees, plus the model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from models.cltv.model import CLTVModel
from pipelines.tracking import configure_mlflow, flatten_metrics

REGISTERED_NAME = "cltv"


def log_cltv_run(
    params: dict[str, Any], metrics: dict[str, Any], model: CLTVModel, model_dir: Path
) -> str:
    """Log one MLflow run and register the mean model as ``cltv``; return the run id.

    The mean booster is logged with the LightGBM flavour (saved as LightGBM text) and an
    input example, which gives it a signature; the quantile and new-customer boosters and
    their metadata are attached as artifacts from ``model_dir``.
    """
    import lightgbm as lgb
    import mlflow  # heavy import; only the training stage pays for it

    configure_mlflow()
    with mlflow.start_run(run_name="train_cltv") as run:
        mlflow.log_params({key: str(value) for key, value in params.items()})
        mlflow.log_metrics(flatten_metrics(metrics))
        mlflow.lightgbm.log_model(
            model.booster_,
            name="model",
            input_example=model.input_example_,
            registered_model_name=REGISTERED_NAME,
            # Stated, not inferred: inference re-imports the model in a subprocess (seconds).
            pip_requirements=[f"lightgbm=={lgb.__version__}"],
        )
        mlflow.log_artifacts(str(model_dir), artifact_path="cltv_files")
        return str(run.info.run_id)
