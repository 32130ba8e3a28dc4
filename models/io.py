"""File I/O: atomic writers and the model store (LightGBM text + JSON, never pickle)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    import lightgbm as lgb


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary sibling path that replaces ``path`` only if the block succeeds.

    The temporary file lives in the destination directory so the final ``os.replace``
    is atomic on POSIX; on error it is removed and ``path`` is left untouched.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; outputs are for people to read
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


@contextmanager
def atomic_directory(path: str | Path) -> Iterator[Path]:
    """Yield a temporary sibling directory that replaces the directory ``path`` on success.

    The old directory is moved aside, the new one renamed into place, then the old one
    removed: a failure leaves the old directory or none, never a mix of old and new files.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    aside = tmp.with_suffix(".old")
    try:
        yield tmp
        os.chmod(tmp, 0o755)  # mkdtemp makes 0700; outputs are for people to read
        if target.exists():
            os.replace(target, aside)
        os.replace(tmp, target)
    finally:
        for leftover in (tmp, aside):
            if leftover.exists():
                shutil.rmtree(leftover)


def remove_directory(path: str | Path) -> None:
    """Remove the directory ``path`` and everything in it; nothing happens if it is absent."""
    if Path(path).exists():
        shutil.rmtree(path)


def _write_with(path: str | Path, writer: Callable[[Path], None]) -> Path:
    with atomic_path(path) as tmp:
        writer(tmp)
    return Path(path)


def write_bytes(path: str | Path, content: bytes) -> Path:
    """Write bytes (a PNG from :func:`models.figures.png_bytes`, say) atomically."""
    def write(tmp: Path) -> None:
        tmp.write_bytes(content)

    return _write_with(path, write)


def write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 text atomically."""
    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")

    return _write_with(path, write)


def to_jsonable(value: Any) -> Any:
    """Convert numpy and pandas scalars and containers to plain JSON types."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "item") and callable(value.item):
        value = value.item()
    if isinstance(value, float) and value != value:  # NaN is not valid JSON
        return None
    return value


def write_json(path: str | Path, payload: Any) -> Path:
    """Write JSON atomically with sorted keys, so equal payloads give equal bytes."""
    text = json.dumps(to_jsonable(payload), indent=2, sort_keys=True, allow_nan=False)
    return write_text(path, text + "\n")


def read_json(path: str | Path) -> Any:
    """Read a JSON file."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def write_parquet(path: str | Path, frame: pd.DataFrame) -> Path:
    """Write a frame to Parquet atomically, without the index."""
    return _write_with(path, lambda tmp: frame.to_parquet(tmp, index=False, engine="pyarrow"))


def bucket_file_name(index: int, n_buckets: int) -> str:
    """``bucket=NNN.parquet``: the file of bucket ``index`` of ``n_buckets``, zero-padded."""
    return f"bucket={index:0{max(3, len(str(n_buckets - 1)))}d}.parquet"


def write_bucketed(directory: str | Path, tables: dict[str, list[pd.DataFrame]]) -> Path:
    """Write each table's buckets as ``<directory>/<table>/bucket=NNN.parquet``, atomically.

    The whole directory is replaced at once, so the tables' buckets always come from the
    same run; bucket ``i`` is ``tables[table][i]``, written without its index.
    """
    with atomic_directory(directory) as tmp:
        for name, parts in tables.items():
            (tmp / name).mkdir()
            for i, part in enumerate(parts):
                part.to_parquet(tmp / name / bucket_file_name(i, len(parts)), index=False,
                                engine="pyarrow")
    return Path(directory)


def bucket_files(directory: str | Path) -> list[Path]:
    """List the ``bucket=*.parquet`` files of one table's directory, in bucket order."""
    return sorted(Path(directory).glob("bucket=*.parquet"))


def parquet_rows(path: str | Path) -> int:
    """Rows of a Parquet file, from its footer (no data is read)."""
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(path).metadata.num_rows)


def write_csv(path: str | Path, frame: pd.DataFrame, float_format: str | None = None) -> Path:
    """Write a frame to CSV atomically, without the index."""
    return _write_with(
        path, lambda tmp: frame.to_csv(tmp, index=False, float_format=float_format)
    )


TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"


def write_table(directory: str | Path, name: str, frame: pd.DataFrame, fmt: str) -> Path:
    """Write one input table as ``<name>.csv`` or ``<name>.parquet``, atomically.

    CSV timestamps use ``YYYY-MM-DD HH:MM:SS`` and a date-only column (all midnight)
    is written as ``YYYY-MM-DD``, so the files read the same in any tool.
    """
    path = Path(directory) / f"{name}.{fmt}"
    if fmt == "parquet":
        return write_parquet(path, frame)
    if fmt != "csv":
        raise ValueError(f"unknown table format {fmt!r}; use 'csv' or 'parquet'")
    text = frame.copy()
    for column in text.columns:
        if pd.api.types.is_datetime64_any_dtype(text[column]):
            values = text[column]
            is_date = bool((values.dropna() == values.dropna().dt.normalize()).all())
            text[column] = values.dt.strftime("%Y-%m-%d" if is_date else TIMESTAMP_FORMAT)
    return write_csv(path, text)


def booster_metadata_path(path: str | Path) -> Path:
    """Where :func:`save_booster` puts the metadata of the model at ``path``: ``<stem>.json``."""
    return Path(path).with_suffix(".json")


def save_booster(path: str | Path, booster: lgb.Booster, metadata: dict[str, Any]) -> Path:
    """Save a LightGBM model as text and its metadata as JSON beside it, both atomically.

    Parameters
    ----------
    path : str or pathlib.Path
        The model file, conventionally ``<name>.txt``; the metadata goes to ``<name>.json``.
    booster : lightgbm.Booster
        A trained model; saved with ``Booster.model_to_string`` (never pickled).
    metadata : dict
        Anything a reader needs to use the model (feature names, category levels, params,
        training cutoffs); converted with :func:`to_jsonable`, NaN not allowed.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    write_json(booster_metadata_path(path), metadata)
    return write_text(path, booster.model_to_string())


def load_booster(path: str | Path) -> tuple[lgb.Booster, dict[str, Any]]:
    """Load a model saved by :func:`save_booster` with its metadata (empty if none)."""
    import lightgbm as lgb  # heavy import; only model readers pay for it

    booster = lgb.Booster(model_str=Path(path).read_text(encoding="utf-8"))
    meta_path = booster_metadata_path(path)
    metadata = read_json(meta_path) if meta_path.exists() else {}
    return booster, metadata
