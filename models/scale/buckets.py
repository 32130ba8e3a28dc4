"""Customer buckets: tables split by a hash of ``customer_id``, one Dask partition per bucket.

Partition ``i`` of every bucketed table holds the rows of the same customers, so a
per-customer kernel (the pandas code of the single-machine run, unchanged) can run on
partition ``i`` of customers and orders together, and its rows equal the whole run's rows
for those customers.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from models.io import bucket_file_name, bucket_files, parquet_rows

if TYPE_CHECKING:
    import dask.dataframe as dd
    from distributed import Client

HASH_KEY = "channelwise-bkt0"  # 16 characters, as pandas' hash key must be: fixed forever
BUCKET_KEYS = {"customers": "customer_id", "orders": "customer_id", "leads": "lead_id"}


class BucketError(RuntimeError):
    """Bucket files on disk that do not fit the run: another bucket count, or another table."""


def customer_bucket(customer_ids: pd.Series, n_buckets: int) -> np.ndarray:
    """Bucket of each customer id: a stable hash of its text, modulo ``n_buckets``.

    The hash depends only on the id's text and :data:`HASH_KEY`, so the same id lands in
    the same bucket on every machine, in every process and in every run.
    """
    text = pd.Series(customer_ids, copy=False).astype("str")
    hashed = pd.util.hash_pandas_object(text, index=False, hash_key=HASH_KEY).to_numpy()
    return (hashed % np.uint64(n_buckets)).astype(np.int64)


def split_by_bucket(frame: pd.DataFrame, n_buckets: int, key: str = "customer_id") -> list[
        pd.DataFrame]:
    """Split ``frame`` into ``n_buckets`` frames by the bucket of ``key``, row order kept."""
    buckets = customer_bucket(frame[key], n_buckets)
    order = np.argsort(buckets, kind="stable")
    bounds = np.searchsorted(buckets[order], np.arange(n_buckets + 1))
    return [frame.iloc[order[bounds[i]:bounds[i + 1]]].reset_index(drop=True)
            for i in range(n_buckets)]


def bucket_tables(tables: dict[str, pd.DataFrame], n_buckets: int) -> dict[str, list[
        pd.DataFrame]]:
    """Split the tables of :data:`BUCKET_KEYS` that are present, each by its key's bucket.

    Orders and customers go by ``customer_id``, so bucket ``i`` of both holds the same
    customers; leads go by ``lead_id`` and keep their ``customer_id`` column.
    """
    return {name: split_by_bucket(tables[name], n_buckets, key)
            for name, key in BUCKET_KEYS.items() if tables.get(name) is not None}


def read_buckets(directory: Path, n_buckets: int, table: pd.DataFrame) -> dd.DataFrame:
    """One partition per bucket file of ``directory``, each file read by the worker that runs it.

    ``table`` is the flat table the buckets were written from: its columns give the
    partitions' metadata, and its length must equal the files' rows.

    Raises
    ------
    BucketError
        If the files are not the ``n_buckets`` buckets of ``table``.
    """
    import dask.dataframe as dd

    files = bucket_files(directory)
    expected = [directory / bucket_file_name(i, n_buckets) for i in range(n_buckets)]
    if files != expected:
        raise BucketError(f"{directory} holds {len(files)} bucket files but dask.buckets is "
                          f"{n_buckets}: run prepare again with the same dask.buckets")
    rows = sum(parquet_rows(path) for path in files)
    if rows != len(table):
        raise BucketError(f"{directory} holds {rows:,} rows but the table has {len(table):,}: "
                          "the buckets are stale, run prepare again")
    return dd.from_map(pd.read_parquet, [str(path) for path in files], meta=table.iloc[:0],
                       label="read-bucket", enforce_metadata=False)


def bucket_partitions(
    client: Client, table: pd.DataFrame, n_buckets: int, directory: Path | None,
    where: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
) -> dd.DataFrame:
    """``where(table)`` as one partition per customer bucket, kept on the workers.

    The rule: if ``directory`` exists (``prepare`` wrote it under ``engine: dask``), the
    workers read its bucket files and apply ``where`` (a row filter) to each; otherwise
    (``channelwise cltv``, a table from elsewhere) the driver filters ``table``, splits it
    and sends the buckets (:func:`scatter_buckets`).
    """
    if directory is not None and directory.is_dir():
        parts = read_buckets(directory, n_buckets, table)
        if where is not None:
            parts = parts.map_partitions(where, meta=parts._meta)
        return client.persist(parts)
    return scatter_buckets(client, table if where is None else where(table), n_buckets)


def scatter_buckets(client: Client, frame: pd.DataFrame, n_buckets: int) -> dd.DataFrame:
    """Send ``frame``'s buckets to the workers as a Dask frame of ``n_buckets`` partitions.

    Each bucket travels in the task graph rather than by ``client.scatter``: the scheduler
    keeps the task, so a bucket lost with a dead worker is sent again, not lost for good.
    """
    import warnings

    import dask
    import dask.dataframe as dd

    parts = [dask.delayed(part, pure=False, traverse=False)
             for part in split_by_bucket(frame, n_buckets)]
    table = dd.from_delayed(parts, meta=frame.iloc[:0], verify_meta=False)
    with warnings.catch_warnings():  # "Sending large graph": on purpose, see above
        warnings.filterwarnings("ignore", message="Sending large graph", category=UserWarning)
        return client.persist(table)


def map_buckets(
    kernel: Callable[..., pd.DataFrame], *tables: dd.DataFrame, meta: pd.DataFrame | None = None,
    **kwargs: Any,
) -> dd.DataFrame:
    """Run ``kernel(part_0, part_1, ..., **kwargs)`` on partition ``i`` of each table.

    The tables must be bucketed alike (same ``n_buckets``): partitions are paired by
    position, never re-aligned by index.
    """
    import dask.dataframe as dd

    counts = {table.npartitions for table in tables}
    if len(counts) != 1:
        raise ValueError(f"tables are bucketed differently: {sorted(counts)} partitions")
    return dd.map_partitions(kernel, *tables, meta=meta, align_dataframes=False,
                             enforce_metadata=False, **kwargs)
