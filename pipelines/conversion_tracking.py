"""MLflow logging of stage ``train_conversion``: the params and metrics DVC sees, plus the model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from models.conversion.model import LeadConversionModel
from models.tabular import encode_frame
from pipelines.tracking import configure_mlflow, flatten_metrics

REGISTERED_NAME = "lead_conversion"
EXAMPLE_ROWS = 5


def booster_input_example(model: LeadConversionModel, rows: pd.DataFrame) -> pd.DataFrame:
    """Encode the first rows as the booster sees them (categories as codes)."""
    head = rows.head(EXAMPLE_ROWS)
    return pd.DataFrame(encode_frame(head, model.schema_), columns=list(model.schema_.columns))


def log_conversion_run(
    params: dict[str, Any], metrics: dict[str, Any], model: LeadConversionModel,
    example: pd.DataFrame, model_dir: Path,
) -> str:
    """Log one MLflow run and register the booster as ``lead_conversion``; return the run id.

    The booster is logged with the LightGBM flavour (LightGBM text) and an encoded input
    example, which gives it a signature; its raw output is uncalibrated. ``model.txt`` and
    ``model.json`` (categories, calibration map) are attached from ``model_dir``, so the
    calibrated model can be rebuilt from the run.
    """
    import mlflow  # heavy import; only the training stage pays for it

    configure_mlflow()
    with mlflow.start_run(run_name="train_conversion") as run:
        mlflow.log_params({key: str(value) for key, value in params.items()})
        mlflow.log_metrics(flatten_metrics(metrics))
        mlflow.lightgbm.log_model(
            model.booster_,
            name="model",
            input_example=booster_input_example(model, example),
            registered_model_name=REGISTERED_NAME,
        )
        mlflow.log_artifacts(str(model_dir), artifact_path="conversion_files")
        return str(run.info.run_id)
