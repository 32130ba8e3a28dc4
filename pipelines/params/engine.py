"""Typed params of the engine: where heavy stages run (``engine: local | dask``, ``dask:``)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from models.scale.cluster import ClusterSettings
from pipelines.params import ParamsError, integer, known_keys

SECTION = "dask"
_INTEGERS = {  # key: (lowest, highest)
    "threads_per_worker": (1, 256),
    "buckets": (1, 100_000),
    "connect_timeout_s": (1, 3600),
    "comm_timeout_s": (1, 3600),
    "allowed_failures": (0, 100),
}
_OPTIONAL = {"scheduler", "n_workers", "memory_limit"}


class Engine(StrEnum):
    """Where heavy stages run: ``local`` (pandas, one process) or ``dask`` (a cluster)."""

    LOCAL = "local"
    DASK = "dask"


@dataclass(frozen=True)
class EngineParams:
    """The engine, the cluster to use with ``dask`` and the number of customer buckets."""

    engine: Engine
    cluster: ClusterSettings
    buckets: int


def _engine(raw: dict[str, Any]) -> Engine:
    value = raw.get("engine", "local")
    try:
        return Engine(str(value))
    except ValueError as err:
        raise ParamsError(f"params.yaml: engine={value!r} must be one of local | dask") from err


def parse_engine(raw: dict[str, Any]) -> EngineParams:
    """Validate the top-level ``engine`` key and the ``dask`` section (both optional).

    ``dask.scheduler`` is an address such as ``tcp://10.0.0.5:8786`` or null; null leaves
    the choice to ``DASK_SCHEDULER_ADDRESS``, else a LocalCluster of ``n_workers`` (null:
    one per core).

    Raises
    ------
    ParamsError
        Naming the key that is unknown or out of range.
    """
    section = raw.get(SECTION) or {}
    if not isinstance(section, dict):
        raise ParamsError("params.yaml: section 'dask' must be a mapping")
    known_keys(section, SECTION, set(_INTEGERS) | _OPTIONAL)
    ints = {key: integer(section, key, SECTION, *bounds) if key in section else None
            for key, bounds in _INTEGERS.items()}
    scheduler = section.get("scheduler")
    if scheduler is not None and "://" not in str(scheduler):
        raise ParamsError(f"params.yaml: dask.scheduler={scheduler!r} must be an address "
                          "such as tcp://HOST:8786, or null")
    n_workers = section.get("n_workers")
    defaults = ClusterSettings()
    cluster = ClusterSettings(
        address=None if scheduler is None else str(scheduler),
        n_workers=None if n_workers is None else integer(section, "n_workers", SECTION, 1, 4096),
        threads_per_worker=ints["threads_per_worker"] or defaults.threads_per_worker,
        memory_limit=str(section.get("memory_limit") or defaults.memory_limit),
        connect_timeout_s=ints["connect_timeout_s"] or defaults.connect_timeout_s,
        comm_timeout_s=ints["comm_timeout_s"] or defaults.comm_timeout_s,
        allowed_failures=(defaults.allowed_failures if ints["allowed_failures"] is None
                          else ints["allowed_failures"]),
    )
    return EngineParams(engine=_engine(raw), cluster=cluster, buckets=ints["buckets"] or 8)
