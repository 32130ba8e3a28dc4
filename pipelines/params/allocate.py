"""Typed params of stage ``allocate``, validated at the edge."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipelines.params import integer, number

SECTION = "allocate"


@dataclass(frozen=True)
class AllocateParams:
    """Params of stage ``allocate``; ``budget`` None means the current weekly budget."""

    budget: float | None
    frontier_min: float
    frontier_max: float
    frontier_points: int


def parse_allocate(section: dict[str, Any]) -> AllocateParams:
    """Validate the ``allocate`` section."""
    budget = section.get("budget")
    return AllocateParams(
        budget=None if budget is None else number(section, "budget", SECTION, 0, 1e15),
        frontier_min=number(section, "frontier_min", SECTION, 0.01, 10),
        frontier_max=number(section, "frontier_max", SECTION, 0.01, 10),
        frontier_points=integer(section, "frontier_points", SECTION, 2, 500),
    )
