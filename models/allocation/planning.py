"""A plan on fitted artefacts: the inputs a plan needs and one call that makes it.

Shared by the ``allocate`` stage, ``channelwise allocate`` and the notebooks; reading the
artefacts from disk is :func:`pipelines.inputs.load_planning_inputs`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from models.allocation.optimizer import AllocationResult
from models.allocation.plan import (
    Bounds,
    Constraints,
    channel_bounds,
    draw_values,
    optimise,
    plan_table,
    probability_plan_beats,
)
from models.allocation.risk import ValueSpread, curve_arrays, risk_averse_spend, spread
from models.allocation.targets import budget_for_roi, budget_for_value
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
class RiskView:
    """The risk-averse plan's and the risk-neutral plan's spread, at one risk aversion."""

    risk_aversion: float
    plan: ValueSpread
    neutral: ValueSpread


@dataclass(frozen=True)
class Plan:
    """A plan's table, optimiser result, bounds, P(plan beats current) and the current value.

    ``risk`` is set when the plan was made with a risk aversion above 0.
    """

    table: pd.DataFrame
    result: AllocationResult
    bounds: Bounds
    p_beats_current: float
    current_value: float
    risk: RiskView | None = None


def make_plan(
    inputs: PlanningInputs,
    weekly_budget: float,
    constraints: Constraints,
    value_per_unit: FloatArray | None = None,
    risk_aversion: float = 0.0,
) -> Plan:
    """Optimise one weekly budget under the constraints.

    ``value_per_unit`` overrides the inputs' values, and then the bands use it as certain.
    ``risk_aversion`` > 0 maximises expected value minus that many sds of the value across
    the bootstrap draws (`models.allocation.risk`); the certificate still bounds the
    expected value, so its gap includes the value given up for safety.
    """
    vpu = inputs.value_per_unit if value_per_unit is None else value_per_unit
    draws = inputs.value_draws if value_per_unit is None else None
    bounds = channel_bounds(inputs.channels, inputs.current, inputs.history_cap, constraints)
    curves = [inputs.curves.channel(c) for c in inputs.channels]
    result = optimise(curves, vpu, weekly_budget, bounds, incumbent=inputs.current)
    risk = None
    if risk_aversion > 0:
        result, risk = _risk_averse(inputs, vpu, draws, bounds, result, weekly_budget,
                                    risk_aversion)
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
        risk=risk,
    )


def _risk_averse(
    inputs: PlanningInputs, vpu: FloatArray, draws: FloatArray | None, bounds: Bounds,
    neutral: AllocationResult, budget: float, risk_aversion: float,
) -> tuple[AllocationResult, RiskView]:
    """Replace the risk-neutral plan by the risk-averse one; keep its certificate."""
    if not inputs.curves.bootstrap:
        raise ValueError("a risk aversion needs bootstrap curve draws, and the fitted curves "
                         "have none (fit_response.n_bootstrap is 0)")
    arrays = curve_arrays(inputs.curves, inputs.channels, vpu,
                          draw_values(vpu, draws, len(inputs.curves.bootstrap)))
    spend = risk_averse_spend(arrays, neutral.spend, bounds, budget, risk_aversion)
    view = RiskView(risk_aversion, spread(arrays, spend), spread(arrays, neutral.spend))
    result = AllocationResult(spend=spend, value=view.plan.expected,
                              upper_bound=max(neutral.upper_bound, view.plan.expected))
    return result, view


def target_budgets(
    inputs: PlanningInputs, constraints: Constraints, target_value: float | None = None,
    target_roi: float | None = None,
) -> dict[str, float]:
    """Weekly budgets that meet the given targets, keyed ``target_value`` / ``target_roi``.

    See :func:`models.allocation.targets.budget_for_value` and ``budget_for_roi``; an
    unreachable target raises :class:`~models.allocation.targets.UnreachableTargetError`.
    """
    bounds = channel_bounds(inputs.channels, inputs.current, inputs.history_cap, constraints)
    curves = [inputs.curves.channel(c) for c in inputs.channels]
    vpu = inputs.value_per_unit
    out: dict[str, float] = {}
    if target_value is not None:
        out["target_value"] = budget_for_value(curves, vpu, bounds, target_value)
    if target_roi is not None:
        out["target_roi"] = budget_for_roi(curves, vpu, bounds, target_roi)
    return out


def plan_metrics(plan: Plan, budget: float, targets: dict[str, float]) -> dict[str, Any]:
    """Return the plan's figures for ``metrics/allocation.json``.

    ``targets`` (budgets that meet them) and ``risk`` appear only when asked for, so a
    risk-neutral plan at a given budget writes the same bytes as before they existed.
    """
    metrics: dict[str, Any] = {
        "weekly_budget": budget, "expected_value": plan.result.value,
        "current_value": plan.current_value, "certificate_gap": plan.result.gap,
        "upper_bound": plan.result.upper_bound, "p_plan_beats_current": plan.p_beats_current}
    if targets:
        metrics["targets"] = {name: {"weekly_budget": b} for name, b in targets.items()}
    if plan.risk is not None:
        metrics["risk"] = asdict(plan.risk)
    return metrics
