"""Atomic writers: a directory of buckets is replaced whole, or not at all."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from models.io import atomic_directory, bucket_file_name, bucket_files, write_bucketed


def test_a_failed_write_leaves_the_old_directory_untouched(tmp_path: Path) -> None:
    target = tmp_path / "buckets"
    write_bucketed(target, {"orders": [pd.DataFrame({"a": [1]}), pd.DataFrame({"a": [2]})]})
    with pytest.raises(RuntimeError, match="half way"), atomic_directory(target) as tmp:
        (tmp / "orders").mkdir()
        (tmp / "orders" / bucket_file_name(0, 3)).write_text("new")
        raise RuntimeError("half way")
    assert [p.name for p in bucket_files(target / "orders")] == ["bucket=000.parquet",
                                                                  "bucket=001.parquet"]
    assert pd.read_parquet(target / "orders" / "bucket=001.parquet")["a"].tolist() == [2]
    assert [p.name for p in tmp_path.iterdir()] == ["buckets"]  # no temporary left behind


def test_a_new_write_replaces_every_old_file(tmp_path: Path) -> None:
    target = tmp_path / "buckets"
    write_bucketed(target, {"orders": [pd.DataFrame({"a": [i]}) for i in range(3)]})
    write_bucketed(target, {"customers": [pd.DataFrame({"a": [i]}) for i in range(2)]})
    assert [p.name for p in target.iterdir()] == ["customers"]
    assert len(bucket_files(target / "customers")) == 2


def test_bucket_file_names_sort_in_bucket_order() -> None:
    names = [bucket_file_name(i, 1500) for i in range(1500)]
    assert names[7] == "bucket=0007.parquet" and sorted(names) == names
    assert bucket_file_name(3, 8) == "bucket=003.parquet"
