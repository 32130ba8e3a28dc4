"""Independent tasks: in order, inputs sent once and again after a worker died, one clear error."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from models.scale.cluster import ClusterError, ClusterSettings, dask_client
from models.scale.tasks import DaskTasks, InProcess
from tests.models.scale.conftest import TWO_WORKERS


def column_total(column: str, table: pd.DataFrame, scale: float) -> float:
    return float(table[column].sum() * scale)


def die_once(column: str, table: pd.DataFrame, marker: str) -> float:
    """The first call anywhere kills its worker process; the others sum the column."""
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        return float(table[column].sum())
    os._exit(1)  # as an out-of-memory kill would: no exception, the process is gone


def always_die(item: int) -> int:
    os._exit(1)


TABLE = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [10.0, 20.0, 30.0], "c": [0.5, 0.5, 0.5]})


def test_in_process_calls_the_kernel_per_item_in_order() -> None:
    tasks = InProcess()
    assert tasks.share(TABLE) is TABLE and not tasks.split
    assert tasks.map(column_total, ["b", "a", "c"], TABLE, 2.0) == [120.0, 12.0, 3.0]
    assert tasks.map(column_total, [], TABLE, 2.0) == []


@pytest.mark.dask
def test_dask_tasks_equal_in_process_tasks_in_item_order(client: Any) -> None:
    tasks = DaskTasks(client)
    items = ["c", "a", "b", "a", "c", "b"]  # more tasks than workers, repeated items
    got = tasks.map(column_total, items, tasks.share(TABLE), tasks.share(2.0))
    assert tasks.split
    assert got == InProcess().map(column_total, items, TABLE, 2.0)


@pytest.mark.dask
def test_a_shared_input_lost_with_its_worker_is_sent_again(client: Any, tmp_path: Path) -> None:
    tasks = DaskTasks(client)
    marker = tmp_path / "died"
    got = tasks.map(die_once, ["a", "b", "c", "a"], tasks.share(TABLE),
                    tasks.share(str(marker)))
    assert marker.exists()  # a worker did die
    assert got == [6.0, 60.0, 1.5, 6.0]


@pytest.mark.dask
def test_a_task_that_keeps_killing_its_worker_is_one_cluster_error() -> None:
    settings = ClusterSettings(**{**TWO_WORKERS.__dict__, "allowed_failures": 1})
    with pytest.raises(ClusterError, match="a Dask worker died while running"):
        with dask_client(settings) as opened:
            DaskTasks(opened).map(always_die, [1, 2])
