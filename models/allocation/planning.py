"""A plan on fitted artefacts: the inputs a plan needs and one call that makes it.

Shared by the ``allocate`` stage, ``channelwise allocate`` and the notebooks; reading the
artefacts from disk is :func:`pipelines.inputs.load_planning_inputs`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from models.allocation.optimizer import AllocationResult
from models.allocation.plan import (
    Bounds,
    Constraints,
    channel_bounds,
    optimise,
    plan_table,
    probability_plan_beats,
)
from models.response.model import FloatArray
from models.response.uncertainty import CurveSet


@dataclass(frozen=True)
class PlanningInputs:
    """Curves, current spend, history caps and value per unit of the paid channels.

    ``value_draws`` (one row per bootstrap curve set) carries the uncertainty of the value
    per unit into the plan's bands; None keeps the point values.
    """

    curves: CurveSet
    channels: list[str]
    current: FloatArray
    history_cap: FloatArray
    value_per_unit: FloatArray
    value_draws: FloatArray | None = None


@dataclass(frozen=True)
class Plan:
    """A plan's table, optimiser result, bounds, P(plan beats current) and the current value."""

    table: pd.DataFrame
    result: AllocationResult
    bounds: Bounds
    p_beats_current: float
    current_value: float


def make_plan(
    inputs: PlanningInputs,
    weekly_budget: float,
    constraints: Constraints,
    value_per_unit: FloatArray | None = None,
) -> Plan:
    """Optimise one weekly budget under the constraints.

    ``value_per_unit`` overrides the inputs' values, and then the bands use it as certain.
    """
    vpu = inputs.value_per_unit if value_per_unit is None else value_per_unit
    draws = inputs.value_draws if value_per_unit is None else None
    bounds = channel_bounds(inputs.channels, inputs.current, inputs.history_cap, constraints)
    curves = [inputs.curves.channel(c) for c in inputs.channels]
    result = optimise(curves, vpu, weekly_budget, bounds, incumbent=inputs.current)
    table = plan_table(inputs.curves, inputs.channels, vpu, inputs.current, result, bounds,
                       draws)
    p_beats = probability_plan_beats(
        inputs.curves, inputs.channels, vpu, result.spend, inputs.current, draws
    )
    current_value = float(
        sum(v * c.response(s) for v, c, s in zip(vpu, curves, inputs.current, strict=True))
    )
    return Plan(
        table=table,
        result=result,
        bounds=bounds,
        p_beats_current=p_beats,
        current_value=current_value,
    )
