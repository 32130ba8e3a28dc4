"""Typed params of stage ``allocate``, validated at the edge."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipelines.params import ParamsError, integer, number

SECTION = "allocate"


@dataclass(frozen=True)
class AllocateParams:
    """Params of stage ``allocate``; ``budget`` None means the current weekly budget.

    ``target_value`` (weekly value) or ``target_roi`` (marginal return) set the budget
    instead (`models.allocation.targets`); ``risk_aversion`` 0 is the risk-neutral plan.
    """

    budget: float | None
    frontier_min: float
    frontier_max: float
    frontier_points: int
    target_value: float | None = None
    target_roi: float | None = None
    risk_aversion: float = 0.0


def _optional(section: dict[str, Any], key: str, low: float, high: float) -> float | None:
    """Return ``section[key]`` as a number in ``[low, high]``, or None when null or absent."""
    return None if section.get(key) is None else number(section, key, SECTION, low, high)


def parse_allocate(section: dict[str, Any]) -> AllocateParams:
    """Validate the ``allocate`` section."""
    budget = _optional(section, "budget", 0, 1e15)
    target_value = _optional(section, "target_value", 0, 1e15)
    target_roi = _optional(section, "target_roi", 0, 1e6)
    if budget is not None and (target_value is not None or target_roi is not None):
        raise ParamsError("params.yaml: allocate.budget and allocate.target_value/target_roi "
                          "each set the budget: set the budget or a target, not both")
    return AllocateParams(
        budget=budget,
        frontier_min=number(section, "frontier_min", SECTION, 0.01, 10),
        frontier_max=number(section, "frontier_max", SECTION, 0.01, 10),
        frontier_points=integer(section, "frontier_points", SECTION, 2, 500),
        target_value=target_value,
        target_roi=target_roi,
        risk_aversion=(0.0 if section.get("risk_aversion") is None
                       else number(section, "risk_aversion", SECTION, 0, 100)),
    )
