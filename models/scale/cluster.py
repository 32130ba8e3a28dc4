"""The one home of the Dask client's lifecycle: connect or start a LocalCluster, with timeouts.

Every run that uses Dask opens its client here, so the timeouts that keep a run from hanging
(connecting, talking to a worker, retrying a task after a worker died) are set in one place.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from distributed import Client

# LightGBM's own socket timeout between workers, in minutes (its default is 120).
LIGHTGBM_TIMEOUT_MINUTES = 5


class ClusterError(RuntimeError):
    """The cluster could not be reached, or a task failed on it; nothing was written."""


@dataclass(frozen=True)
class ClusterSettings:
    """Where to run and how long to wait.

    Attributes
    ----------
    address : str or None
        A scheduler such as ``tcp://10.0.0.5:8786``; None starts a LocalCluster.
    n_workers : int or None
        LocalCluster worker processes; None = one per CPU core (at least 1).
    threads_per_worker : int
        Threads of each LocalCluster worker.
    memory_limit : str
        Memory per LocalCluster worker (``"auto"`` splits the machine's memory evenly).
    connect_timeout_s : int
        How long to wait for the scheduler or a worker connection.
    comm_timeout_s : int
        How long a silent connection is kept before it counts as broken.
    allowed_failures : int
        How many times a task is retried after the worker running it died.
    """

    address: str | None = None
    n_workers: int | None = None
    threads_per_worker: int = 1
    memory_limit: str = "auto"
    connect_timeout_s: int = 30
    comm_timeout_s: int = 120
    allowed_failures: int = 3

    def workers(self) -> int:
        """LocalCluster size: the configured count, else the machine's cores."""
        return self.n_workers or max(1, (os.cpu_count() or 1) // self.threads_per_worker)


def dask_config(settings: ClusterSettings) -> dict[str, Any]:
    """Return the Dask settings applied while a client is open (they reach LocalCluster workers)."""
    return {
        "distributed.comm.timeouts.connect": f"{settings.connect_timeout_s}s",
        "distributed.comm.timeouts.tcp": f"{settings.comm_timeout_s}s",
        "distributed.scheduler.allowed-failures": settings.allowed_failures,
        "distributed.admin.tick.limit": "30s",
        "logging.distributed": "error",
    }


@contextmanager
def dask_client(settings: ClusterSettings) -> Iterator[Client]:
    """Open a client on ``settings.address``, or on a fresh LocalCluster; close it after.

    A LocalCluster binds its scheduler, workers and dashboard to free ports of 127.0.0.1,
    so several runs in a row, or side by side, never fight over a port.

    Raises
    ------
    ClusterError
        If the scheduler cannot be reached within ``connect_timeout_s``.
    """
    import dask
    from distributed import Client, LocalCluster

    with dask.config.set(dask_config(settings)), _as_cluster_errors(settings):
        if settings.address is not None:
            try:
                client = Client(settings.address, timeout=f"{settings.connect_timeout_s}s")
            except (OSError, TimeoutError) as error:
                raise ClusterError(f"cannot reach the Dask scheduler at {settings.address} "
                                   f"within {settings.connect_timeout_s} s: {error}") from None
            with client:
                yield client
            return
        cluster = LocalCluster(
            n_workers=settings.workers(), threads_per_worker=settings.threads_per_worker,
            processes=True, memory_limit=settings.memory_limit, host="127.0.0.1",
            scheduler_port=0, dashboard_address=None,
        )
        with cluster, Client(cluster, timeout=f"{settings.connect_timeout_s}s") as client:
            yield client


@contextmanager
def _as_cluster_errors(settings: ClusterSettings) -> Iterator[None]:
    """Turn a dead worker or a broken connection into one :class:`ClusterError`."""
    from distributed import KilledWorker
    from distributed.comm.core import CommClosedError

    try:
        yield
    except KilledWorker as error:
        raise ClusterError(
            f"a Dask worker died while running {error.task!r}, {settings.allowed_failures + 1} "
            "time(s): check the workers' memory (dask.memory_limit) and logs") from None
    except (CommClosedError, TimeoutError) as error:
        raise ClusterError(f"lost the connection to the Dask cluster: {error}") from None


def worker_count(client: Client) -> int:
    """How many workers the scheduler knows of now."""
    return len(client.scheduler_info(n_workers=-1)["workers"])
