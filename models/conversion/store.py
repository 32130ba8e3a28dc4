"""Save and load the lead conversion model: LightGBM text plus JSON state, never a pickle."""

from __future__ import annotations

import json
from pathlib import Path

import lightgbm as lgb
import pandas as pd

from models.conversion.model import LeadConversionModel, fitted_state, restore_model
from models.conversion.serving import lead_history
from models.io import load_booster, save_booster, to_jsonable, write_parquet

MODEL_FILE = "model.txt"  # the state goes beside it, in model.json
HISTORY_FILE = "history.parquet"  # the leads as of training, for the served model's team form


def save_conversion_model(directory: str | Path, model: LeadConversionModel) -> Path:
    """Write ``model.txt`` (the booster) and ``model.json`` (schema, calibration) atomically."""
    return save_booster(Path(directory) / MODEL_FILE, model.booster_, fitted_state(model))


def load_conversion_model(directory: str | Path) -> LeadConversionModel:
    """Load a model written by :func:`save_conversion_model`.

    Raises
    ------
    FileNotFoundError
        If ``directory`` holds no saved model.
    """
    path = Path(directory) / MODEL_FILE
    if not path.is_file():
        raise FileNotFoundError(f"no conversion model in {directory} (expected {MODEL_FILE}); "
                                "run `dvc repro train_conversion` first")
    booster, state = load_booster(path)
    return restore_model(booster, state)


def conversion_model_text(model: LeadConversionModel) -> tuple[str, str]:
    """Return a fitted model as LightGBM text and JSON state: what a Dask worker is sent."""
    state = json.dumps(to_jsonable(fitted_state(model)), sort_keys=True, allow_nan=False)
    return model.booster_.model_to_string(), state


def conversion_model_from_text(booster_text: str, state: str) -> LeadConversionModel:
    """Rebuild the model of :func:`conversion_model_text`; it predicts exactly as the original."""
    return restore_model(lgb.Booster(model_str=booster_text), json.loads(state))


def save_lead_history(directory: str | Path, leads: pd.DataFrame) -> Path:
    """Write the training leads (outcomes dropped but ``converted_at``) beside the model."""
    return write_parquet(Path(directory) / HISTORY_FILE, lead_history(leads))


def load_lead_history(directory: str | Path) -> pd.DataFrame:
    """Read the leads written by :func:`save_lead_history`."""
    return pd.read_parquet(Path(directory) / HISTORY_FILE)
