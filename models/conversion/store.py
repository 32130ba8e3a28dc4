"""Save and load the lead conversion model: LightGBM text plus JSON state, never a pickle."""

from __future__ import annotations

from pathlib import Path

from models.conversion.model import LeadConversionModel, fitted_state, restore_model
from models.io import load_booster, save_booster

MODEL_FILE = "model.txt"  # the state goes beside it, in model.json


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
