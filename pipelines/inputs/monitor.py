"""Read what the ``monitor`` stage uses besides the data: channel values and the lead model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from features.contract import Dataset
from features.kpi_series import as_of_view
from models.monitoring.health import HealthConfig, lead_model_health
from models.monitoring.value import ChannelValues, observed_values, with_pipeline_values


def read_optional_csv(path: Path) -> pd.DataFrame | None:
    """Read a CSV output, or None when it does not exist (the stage did not run)."""
    return pd.read_csv(path, dtype={"channel": "str"}) if path.is_file() else None


def channel_values(data: Dataset, as_of: pd.Timestamp, horizon_days: int,
                   cltv_path: Path, conversion_path: Path) -> ChannelValues:
    """Return the data's own channel values, overridden by the pipeline's where they exist."""
    base = observed_values(data, as_of, horizon_days)
    return with_pipeline_values(base, read_optional_csv(cltv_path),
                                read_optional_csv(conversion_path))


def model_health(data: Dataset, as_of: pd.Timestamp, model_dir: Path, cutoff_path: Path,
                 window_days: float) -> dict[str, Any]:
    """Check the lead model's inputs and calibration, or say why it was not checked."""
    from features.leads import build_lead_features  # LightGBM and the lead features: on use
    from models.conversion.store import MODEL_FILE, load_conversion_model
    from models.io import read_json

    leads = as_of_view(data, as_of).leads
    if leads is None or not (model_dir / MODEL_FILE).is_file() or not cutoff_path.is_file():
        return {"retrain_recommended": False, "skipped": "no leads table or no trained model"}
    features = build_lead_features(leads, as_of)
    rows = leads.set_index(leads["lead_id"].astype("str")).reindex(
        features["lead_id"].astype("str"))
    return lead_model_health(load_conversion_model(model_dir), features,
                             rows["created_at"].reset_index(drop=True),
                             rows["converted_at"].reset_index(drop=True)
                             if "converted_at" in rows.columns else
                             pd.Series(pd.NaT, index=range(len(rows))),
                             pd.Timestamp(read_json(cutoff_path)["cutoff"]), as_of, window_days,
                             HealthConfig())
