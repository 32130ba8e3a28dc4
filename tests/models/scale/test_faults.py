"""A worker killed mid-run: the task is retried and completes, or one clear error is raised."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from features.customers import build_customer_features
from models.scale.buckets import map_buckets, scatter_buckets
from models.scale.cluster import ClusterError, ClusterSettings, dask_client
from tests.models.scale.conftest import TWO_WORKERS, default_world

pytestmark = pytest.mark.dask
CUTOFF = pd.Timestamp("2025-06-30")


def die_once(customers: pd.DataFrame, orders: pd.DataFrame, cutoff: pd.Timestamp,
             marker: str) -> pd.DataFrame:
    """The first call anywhere kills its worker process; the others compute features."""
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        return build_customer_features(customers, orders, cutoff)
    os._exit(1)  # as an out-of-memory kill would: no exception, the process is gone


def always_die(customers: pd.DataFrame) -> pd.DataFrame:
    os._exit(1)


def test_a_task_whose_worker_died_is_retried_and_completes(client: Any, tmp_path: Path) -> None:
    customers, orders = default_world()
    people, logs = scatter_buckets(client, customers, 4), scatter_buckets(client, orders, 4)
    meta = build_customer_features(customers.iloc[:0], orders.iloc[:0], CUTOFF)
    marker = tmp_path / "died"
    features = map_buckets(die_once, people, logs, cutoff=CUTOFF, marker=str(marker), meta=meta)
    got = client.compute(features, sync=True)
    assert marker.exists()  # a worker did die
    got = got.sort_values("customer_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, build_customer_features(customers, orders, CUTOFF))


def test_a_worker_that_keeps_dying_is_one_clear_error_and_nothing_is_written(
        tmp_path: Path) -> None:
    from models.io import write_parquet

    customers, _ = default_world()
    out = tmp_path / "out.parquet"
    settings = ClusterSettings(**{**TWO_WORKERS.__dict__, "allowed_failures": 1})
    with pytest.raises(ClusterError, match="a Dask worker died while running"):
        with dask_client(settings) as client:
            people = scatter_buckets(client, customers.head(100), 2)
            result = client.compute(map_buckets(always_die, people,
                                                meta=customers.iloc[:0]), sync=True)
            write_parquet(out, result)
    assert not out.exists() and list(tmp_path.iterdir()) == []
