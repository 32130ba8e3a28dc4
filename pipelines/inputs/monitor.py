"""Read what the ``monitor`` stage and command price alerts with: channel CLTV and P(convert)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from features.contract import Dataset
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
