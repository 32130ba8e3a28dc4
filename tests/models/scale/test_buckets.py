"""Customer buckets: a stable hash, every row in exactly one bucket, customers kept whole."""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.scale.buckets import customer_bucket, split_by_bucket
from models.scale.frames import keep_fraction, proxy_frame
from models.tabular import ColumnKind


def test_the_bucket_of_an_id_never_changes() -> None:
    # Fixed forever: data written by bucket must be read back by the same rule.
    ids = pd.Series(["C000001", "C000002", "42"])
    assert customer_bucket(ids, 16).tolist() == customer_bucket(ids.copy(), 16).tolist()
    assert customer_bucket(pd.Series([42]), 16).tolist() == customer_bucket(
        pd.Series(["42"]), 16).tolist()  # the text of the id decides
    assert set(customer_bucket(pd.Series([f"C{i}" for i in range(1000)]), 4)) == {0, 1, 2, 3}


def test_split_keeps_every_row_once_and_each_customer_in_one_bucket() -> None:
    orders = pd.DataFrame({"customer_id": ["a", "b", "a", "c", "b", "d"],
                           "revenue": np.arange(6.0)})
    parts = split_by_bucket(orders, 3)
    assert len(parts) == 3
    assert sorted(pd.concat(parts)["revenue"]) == list(np.arange(6.0))
    owners = [set(part["customer_id"]) for part in parts]
    assert all(not (a & b) for i, a in enumerate(owners) for b in owners[i + 1:])
    # row order within a bucket is the input order
    for part in parts:
        assert part["revenue"].is_monotonic_increasing


def test_keep_fraction_is_seeded_and_close_to_the_fraction() -> None:
    rows = pd.DataFrame({"customer_id": [f"C{i}" for i in range(20_000)]})
    kept = keep_fraction(rows, 0.25, salt=7)
    assert kept.equals(keep_fraction(rows, 0.25, salt=7))
    assert abs(len(kept) / len(rows) - 0.25) < 0.02
    assert keep_fraction(rows, 1.0, salt=7) is rows


def test_proxy_frame_unions_the_levels_of_all_partitions() -> None:
    summaries = [
        {"channel": (ColumnKind.CATEGORY, ("b", "a")), "n": (ColumnKind.NUMERIC, ())},
        {"channel": (ColumnKind.CATEGORY, ("c",)), "n": (ColumnKind.NUMERIC, ())},
    ]
    proxy = proxy_frame(summaries, ["channel", "n"])
    assert sorted(proxy["channel"].dropna()) == ["a", "b", "c"]
    assert proxy["channel"].nunique() == 3
    assert pd.api.types.is_numeric_dtype(proxy["n"])
