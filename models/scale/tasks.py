"""Independent tasks of a run: in this process, or as Dask tasks with their inputs in the graph.

A caller shares its large inputs once (:meth:`share`), then maps a kernel over small items
(:meth:`map`). The kernel is the single-machine function, unchanged; only where it runs differs.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from distributed import Client

R = TypeVar("R")


class Tasks(Protocol):
    """Where the independent parts of a run are computed."""

    @property
    def split(self) -> bool:
        """Whether a caller should cut its work into several parts (tasks run side by side)."""
        ...

    def share(self, value: Any) -> Any:
        """Return a handle to ``value`` that :meth:`map` passes to every task."""
        ...

    def map(self, kernel: Callable[..., R], items: Iterable[Any], *shared: Any) -> list[R]:
        """Return ``[kernel(item, *shared) for item in items]``, in the order of ``items``."""
        ...


@dataclass(frozen=True)
class InProcess:
    """Run every task here, one after the other; ``split`` only says how callers cut work."""

    split: bool = False

    def share(self, value: Any) -> Any:
        """Return ``value`` itself."""
        return value

    def map(self, kernel: Callable[..., R], items: Iterable[Any], *shared: Any) -> list[R]:
        """Call ``kernel`` on each item in turn."""
        return [kernel(item, *shared) for item in items]


@contextmanager
def _large_graphs_allowed() -> Iterator[None]:
    """Silence "Sending large graph": inputs travel in the graph on purpose (see below)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Sending large graph", category=UserWarning)
        yield


@dataclass(frozen=True)
class DaskTasks:
    """Run each task on a Dask cluster; shared inputs are sent once, inside the task graph.

    Not by ``client.scatter``: the scheduler keeps each input's task, so an input lost with
    a dead worker is sent again, and the tasks that need it are retried.
    """

    client: Client
    split: bool = True

    def share(self, value: Any) -> Any:
        """Send ``value`` to one worker, kept as a task of the graph; return its handle."""
        import dask

        with _large_graphs_allowed():
            return self.client.persist(dask.delayed(value, pure=False, traverse=False))

    def map(self, kernel: Callable[..., R], items: Iterable[Any], *shared: Any) -> list[R]:
        """Run ``kernel(item, *shared)`` per item as one task each; gather in item order.

        Raises
        ------
        distributed.KilledWorker
            When a task's worker died more than ``allowed_failures`` times
            (:func:`models.scale.cluster.dask_client` turns it into a ``ClusterError``).
        """
        import dask

        call = dask.delayed(kernel, pure=False)
        tasks = [call(dask.delayed(item, pure=False, traverse=False), *shared) for item in items]
        with _large_graphs_allowed():
            return list(self.client.compute(tasks, sync=True))
