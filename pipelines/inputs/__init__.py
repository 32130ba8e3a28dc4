"""Read what earlier stages wrote, for later stages, the report and the CLI.

Every path comes from :mod:`pipelines.outputs`. A missing optional output reads as None; a
missing required artefact raises :class:`MissingArtefactError` naming the stage to run.
One module per consumer keeps each stage's dependencies to what it reads:
``planning`` (allocate), ``explain`` and ``report``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from features.contract import Dataset
from features.contract_rules import REQUIRED_TABLES
from models.io import read_json
from pipelines import outputs
from pipelines.params import Paths


class MissingArtefactError(FileNotFoundError):
    """A fitted artefact the work needs is absent: run the pipeline first."""


def required(path: Path, what: str, stage: str) -> Path:
    """Return ``path``, or raise MissingArtefactError naming ``stage`` when it is absent."""
    if not path.exists():
        raise MissingArtefactError(f"{what} not found at {path}; run `dvc repro {stage}` first")
    return path


def read_prepared(directory: str | Path) -> Dataset:
    """Read the ``prepare`` stage's typed Parquet tables; leads and staff are optional."""
    root = Path(directory)
    found = {name: pd.read_parquet(root / output.name)  # a missing required table raises
             for name, output in outputs.PREPARED_TABLES.items()
             if name in REQUIRED_TABLES or (root / output.name).exists()}
    return Dataset(customers=found["customers"], orders=found["orders"], spend=found["spend"],
                   leads=found.get("leads"), staff=found.get("staff"))


def read_prepared_table(directory: str | Path, name: str) -> pd.DataFrame | None:
    """Read one of the ``prepare`` stage's tables; None when that optional table is absent.

    For stages that need one or two tables: on the large world the orders alone (12M rows)
    take seconds to read.
    """
    path = Path(directory) / outputs.PREPARED_TABLES[name].name
    if name in REQUIRED_TABLES or path.exists():
        return pd.read_parquet(path)  # a missing required table raises
    return None


def read_cutoff(paths: Paths) -> pd.Timestamp:
    """Return the cutoff the ``features`` stage used."""
    return pd.Timestamp(read_json(outputs.CUTOFF.path(paths))["cutoff"])


def read_channel_cltv(path: Path) -> pd.Series | None:
    """``cltv_mean`` by channel from stage train_cltv's CSV, or None when it is absent."""
    if not path.is_file():
        return None
    table = pd.read_csv(path, dtype={"channel": "str"})
    return table.set_index("channel")["cltv_mean"].astype("float64")


def read_runs(paths: Paths) -> dict[str, dict[str, Any]]:
    """Return the MLflow run record of each training stage that wrote one, keyed by stage."""
    folder = Path(paths.runs)
    if not folder.is_dir():
        return {}
    return {path.stem: read_json(path) for path in sorted(folder.glob("*.json"))}
