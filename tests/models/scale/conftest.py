"""A LocalCluster of 2 worker processes x 1 thread, shared by the Dask tests of a module."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

import pandas as pd
import pytest

from models.scale.cluster import ClusterSettings, dask_client
from models.simulation.generator import simulate_world

TWO_WORKERS = ClusterSettings(n_workers=2, threads_per_worker=1, memory_limit="3GiB")


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    with dask_client(TWO_WORKERS) as opened:
        yield opened


@cache
def default_world() -> tuple[pd.DataFrame, pd.DataFrame]:
    world = simulate_world(42, "default")
    return world.customers, world.orders
