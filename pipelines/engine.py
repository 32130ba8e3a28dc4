"""Where heavy work runs: engine params, ``--scheduler`` and ``DASK_SCHEDULER_ADDRESS``.

``engine: local`` (the default) imports nothing of Dask and starts no process. ``engine:
dask`` opens one client for the whole stage or command (see :mod:`models.scale.cluster`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.params.engine import Engine, EngineParams, parse_engine

if TYPE_CHECKING:
    from models.cltv.model import CLTVConfig, CLTVModel
    from models.scale.tasks import Tasks

SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"
LOCAL_CLUSTER = "local"  # --scheduler local: a LocalCluster on this machine

ModelMaker = Callable[["CLTVConfig"], "CLTVModel"]


def with_scheduler(
    engine: EngineParams, scheduler: str | None, environ: Mapping[str, str]
) -> EngineParams:
    """Apply ``--scheduler`` (it selects Dask), else ``DASK_SCHEDULER_ADDRESS`` under dask.

    ``--scheduler local`` asks for a LocalCluster; an address connects to that scheduler.
    With ``engine: local`` and no ``--scheduler``, the environment is not read.
    """
    if scheduler is not None:
        address = None if scheduler == LOCAL_CLUSTER else scheduler
        return replace(engine, engine=Engine.DASK,
                       cluster=replace(engine.cluster, address=address))
    if engine.engine is Engine.DASK and environ.get(SCHEDULER_ENV):
        return replace(engine, cluster=replace(engine.cluster, address=environ[SCHEDULER_ENV]))
    return engine


def stage_engine(raw: dict[str, Any], environ: Mapping[str, str] = os.environ) -> EngineParams:
    """Return the engine of a DVC stage: params.yaml, with ``DASK_SCHEDULER_ADDRESS`` under dask."""
    return with_scheduler(parse_engine(raw), None, environ)


@contextmanager
def cltv_models(engine: EngineParams, bucket_dir: Path | None = None) -> Iterator[ModelMaker]:
    """Yield a maker of unfitted CLTV models for the engine; the cluster closes after.

    With ``dask``, the models read the tables' buckets from ``bucket_dir`` when it exists.
    """
    from models.cltv.model import CLTVModel  # LightGBM: loaded on use only

    if engine.engine is Engine.LOCAL:
        yield CLTVModel
        return
    from models.scale.cltv import DaskCLTVModel
    from models.scale.cluster import dask_client

    with dask_client(engine.cluster) as client:
        yield partial(DaskCLTVModel, client=client, n_buckets=engine.buckets,
                      bucket_dir=bucket_dir)


@contextmanager
def engine_tasks(engine: EngineParams) -> Iterator[Tasks]:
    """Yield where independent tasks run: this process, or the cluster (closed after)."""
    from models.scale.tasks import DaskTasks, InProcess

    if engine.engine is Engine.LOCAL:
        yield InProcess()
        return
    from models.scale.cluster import dask_client

    with dask_client(engine.cluster) as client:
        yield DaskTasks(client)
