"""Buckets on disk (``prepare`` under ``engine: dask``): read per partition by the workers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from features.customers import build_customer_features
from models.cltv.model import CLTVConfig
from models.cltv.rows import features_as_of, with_btyd
from models.io import write_bucketed, write_parquet
from models.scale.buckets import (
    BucketError,
    bucket_partitions,
    bucket_tables,
    map_buckets,
    read_buckets,
)
from models.scale.cltv import DaskCLTVModel
from tests.models.scale.conftest import default_world

T0 = pd.Timestamp("2024-12-29")
BUCKETS = 5


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, pd.DataFrame,
                                                                 Path]:
    """The default world's customers and orders as ``prepare`` leaves them: flat and bucketed."""
    customers, orders = default_world()
    root = tmp_path_factory.mktemp("prepared")
    write_parquet(root / "customers.parquet", customers)
    write_parquet(root / "orders.parquet", orders)
    write_bucketed(root / "buckets", bucket_tables({"customers": customers, "orders": orders},
                                                   BUCKETS))
    return (pd.read_parquet(root / "customers.parquet"), pd.read_parquet(root / "orders.parquet"),
            root / "buckets")


@pytest.mark.dask
def test_features_from_the_disk_buckets_equal_the_local_features_exactly(
        client: Any, prepared: tuple[pd.DataFrame, pd.DataFrame, Path]) -> None:
    customers, orders, buckets = prepared
    people = bucket_partitions(client, customers, BUCKETS, buckets / "customers")
    logs = bucket_partitions(client, orders, BUCKETS, buckets / "orders")
    assert people.npartitions == logs.npartitions == BUCKETS
    meta = build_customer_features(customers.iloc[:0], orders.iloc[:0], T0)
    got = client.compute(map_buckets(build_customer_features, people, logs, cutoff=T0,
                                     meta=meta), sync=True)
    got = got.sort_values("customer_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, build_customer_features(customers, orders, T0))


@pytest.mark.dask
def test_btyd_features_of_the_model_on_disk_buckets_equal_the_local_ones(
        client: Any, prepared: tuple[pd.DataFrame, pd.DataFrame, Path]) -> None:
    customers, orders, buckets = prepared
    config = CLTVConfig(random_state=42)
    model = DaskCLTVModel(config, client=client, n_buckets=BUCKETS, bucket_dir=buckets)
    base, btyd = model._scored_base(customers, orders, T0)
    want, want_btyd = features_as_of(customers, orders.loc[orders["ordered_at"] < T0], T0,
                                      365, 42, config.max_btyd_rows)
    assert np.array_equal(btyd.purchases.params_, want_btyd.purchases.params_)
    got = client.compute(base.map_partitions(with_btyd, btyd, 365), sync=True)
    pd.testing.assert_frame_equal(got.sort_values("customer_id").reset_index(drop=True), want)
    with pytest.raises(BucketError, match="stale"):  # the files were read, not the frames
        model._scored_base(customers.iloc[1:], orders, T0)


def test_a_bucket_count_unlike_the_files_is_one_error_naming_both_counts(
        prepared: tuple[pd.DataFrame, pd.DataFrame, Path]) -> None:
    customers, _, buckets = prepared
    with pytest.raises(BucketError, match=rf"{buckets / 'customers'} holds {BUCKETS} bucket "
                                          r"files but dask.buckets is 8"):
        read_buckets(buckets / "customers", 8, customers)


def test_buckets_of_another_table_are_one_error(
        prepared: tuple[pd.DataFrame, pd.DataFrame, Path]) -> None:
    customers, _, buckets = prepared
    with pytest.raises(BucketError, match="the buckets are stale"):
        read_buckets(buckets / "customers", BUCKETS, customers.iloc[1:])
