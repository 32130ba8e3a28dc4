"""Whole-table facts from Dask partitions: the feature schema, row samples, gathered columns."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from models.cltv.rows import feature_columns
from models.tabular import ColumnKind, TabularSchema, column_kind, learn_schema

if TYPE_CHECKING:
    import dask.dataframe as dd
    from distributed import Client


def column_summary(part: pd.DataFrame) -> dict[str, tuple[ColumnKind, tuple[str, ...]]]:
    """Kind of each column of one partition and, for text columns, its distinct values."""
    out: dict[str, tuple[ColumnKind, tuple[str, ...]]] = {}
    for name in part.columns:
        kind = column_kind(part[name])
        levels: tuple[str, ...] = ()
        if kind is ColumnKind.CATEGORY:
            levels = tuple(part[name].dropna().astype("str").unique().tolist())
        out[str(name)] = (kind, levels)
    return out


def proxy_frame(
    summaries: list[dict[str, tuple[ColumnKind, tuple[str, ...]]]], columns: list[str]
) -> pd.DataFrame:
    """Build a small frame with every column's kind and every text level seen in any partition.

    :func:`models.cltv.rows.feature_columns` and :func:`models.tabular.learn_schema` on it
    give what they give on the whole table: they look only at kinds and distinct values.
    """
    kinds: dict[str, ColumnKind] = {}
    levels: dict[str, set[str]] = {name: set() for name in columns}
    for summary in summaries:
        for name, (kind, seen) in summary.items():
            if kinds.get(name) is not ColumnKind.CATEGORY:
                kinds[name] = kind
            levels[name].update(seen)
    size = max([1, *(len(found) for found in levels.values())])
    data: dict[str, Any] = {}
    for name in columns:
        kind = kinds.get(name, ColumnKind.NUMERIC)
        if kind is ColumnKind.CATEGORY:
            values = sorted(levels[name])
            data[name] = pd.Series(values + [None] * (size - len(values)), dtype="str")
        elif kind is ColumnKind.BOOLEAN:
            data[name] = np.zeros(size, dtype=bool)
        elif kind is ColumnKind.DATETIME:
            data[name] = pd.to_datetime(np.zeros(size, dtype="datetime64[ns]"))
        else:
            data[name] = np.zeros(size)
    return pd.DataFrame(data, columns=columns)


def learn_bucket_schema(
    client: Client, rows: dd.DataFrame, exclude: tuple[str, ...]
) -> TabularSchema:
    """Learn the schema :func:`learn_schema` gives on all ``rows``, from partition summaries."""
    import dask

    parts = [dask.delayed(column_summary)(part) for part in rows.to_delayed()]
    summaries = [summary for summary in client.compute(parts, sync=True) if summary]
    proxy = proxy_frame(summaries, [str(name) for name in rows.columns])
    return learn_schema(proxy[feature_columns(proxy, exclude)])


def hash_fraction(customer_ids: pd.Series, salt: int) -> np.ndarray:
    """Map each customer id to a uniform number in [0, 1), fixed by the id and ``salt``."""
    key = f"cwsample{salt % 10**8:08d}"
    hashed = pd.util.hash_pandas_object(customer_ids.astype("str"), index=False, hash_key=key)
    return hashed.to_numpy() / float(2**64)


def keep_fraction(part: pd.DataFrame, fraction: float, salt: int) -> pd.DataFrame:
    """Keep a seeded sample of about ``fraction`` of a partition's rows (all rows if >= 1)."""
    if fraction >= 1.0:
        return part
    return part.loc[hash_fraction(part["customer_id"], salt) < fraction]


def gather_sorted(client: Client, rows: dd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``columns`` of every row, sorted by ``customer_id`` as the single-machine frame is."""
    frame = client.compute(rows[columns], sync=True)
    return frame.sort_values("customer_id", kind="stable").reset_index(drop=True)
