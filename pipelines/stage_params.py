"""Typed params of the response and allocation stages, validated at the edge."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipelines.params import ParamsError


def number(section: dict[str, Any], key: str, name: str, low: float, high: float) -> float:
    """Return ``section[key]`` as a float in ``[low, high]``, or raise ParamsError naming it."""
    try:
        value = float(section[key])
    except (KeyError, TypeError, ValueError) as err:
        raise ParamsError(f"params.yaml: {name}.{key} must be a number") from err
    if not low <= value <= high:
        raise ParamsError(f"params.yaml: {name}.{key}={value} must be in [{low}, {high}]")
    return value


@dataclass(frozen=True)
class FitResponseParams:
    """Params of stage ``fit_response``."""

    response: str
    fourier_order: int
    n_starts: int
    n_bootstrap: int
    block_weeks: int
    holdout_weeks: int
    seed: int

    @classmethod
    def parse(cls, section: dict[str, Any], seed: int) -> FitResponseParams:
        """Validate the ``fit_response`` section."""
        response = str(section.get("response", "auto"))
        if response not in {"auto", "leads", "new_customers"}:
            raise ParamsError("params.yaml: fit_response.response must be auto, leads or "
                              f"new_customers, not {response!r}")
        ints = {k: int(number(section, k, "fit_response", lo, hi)) for k, lo, hi in [
            ("fourier_order", 0, 6), ("n_starts", 1, 50), ("n_bootstrap", 0, 1000),
            ("block_weeks", 1, 52), ("holdout_weeks", 1, 52)]}
        return cls(response=response, seed=seed, **ints)

    def response_unit(self, has_leads: bool) -> str:
        """Resolve ``auto``: leads when there are any, else new customers."""
        if self.response != "auto":
            return self.response
        return "leads" if has_leads else "new_customers"


@dataclass(frozen=True)
class AllocateParams:
    """Params of stage ``allocate``; ``budget`` None means the current weekly budget."""

    budget: float | None
    frontier_min: float
    frontier_max: float
    frontier_points: int

    @classmethod
    def parse(cls, section: dict[str, Any]) -> AllocateParams:
        """Validate the ``allocate`` section."""
        budget = section.get("budget")
        return cls(
            budget=None if budget is None else number(section, "budget", "allocate", 0, 1e15),
            frontier_min=number(section, "frontier_min", "allocate", 0.01, 10),
            frontier_max=number(section, "frontier_max", "allocate", 0.01, 10),
            frontier_points=int(number(section, "frontier_points", "allocate", 2, 500)),
        )
