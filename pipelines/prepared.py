"""Reading the ``prepare`` stage's typed Parquet tables back, for later stages and the CLI."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from features.contract import Dataset


def read_prepared(directory: str | Path) -> Dataset:
    """Read the prepared tables; leads are optional."""
    root = Path(directory)
    leads_path = root / "leads.parquet"
    return Dataset(
        customers=pd.read_parquet(root / "customers.parquet"),
        orders=pd.read_parquet(root / "orders.parquet"),
        spend=pd.read_parquet(root / "spend.parquet"),
        leads=pd.read_parquet(leads_path) if leads_path.exists() else None,
    )


def data_end(data: Dataset) -> pd.Timestamp:
    """Return the day after the last observed event: the natural cutoff for the data."""
    stamps = [data.orders["ordered_at"].max(), data.customers["acquired_at"].max(),
              data.spend["week"].max() + pd.Timedelta(days=6)]
    if data.leads is not None:
        stamps.append(data.leads["created_at"].max())
    return pd.Timestamp(max(stamps)).normalize() + pd.Timedelta(days=1)
