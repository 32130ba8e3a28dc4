"""Budgets planned from a target: a value to reach, or a marginal return to stop at.

The first is the smallest budget whose plan reaches a value; the second the budget at which
the plan's marginal return falls to a target ROI.

Both search over the weekly budget with the global optimiser; the bounds (history caps and
the planner's constraints) do not depend on the budget, so the feasible budgets are
``[sum(lower), sum(upper)]``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from models.allocation.optimizer import InfeasibleAllocationError
from models.allocation.plan import BINDING_TOLERANCE, Bounds, budget_frontier, optimise
from models.response.model import ChannelCurve, FloatArray

RELATIVE_TOLERANCE = 1e-5  # the searches stop when the budget is known to this share
SCAN_POINTS = 41  # budgets scanned before the ROI search bisects


class UnreachableTargetError(InfeasibleAllocationError):
    """No budget within the bounds meets the target."""


def budget_range(bounds: Bounds) -> tuple[float, float]:
    """Return the smallest and largest weekly budgets the bounds allow."""
    return float(bounds.lower.sum()), float(bounds.upper.sum())


def plan_value(
    curves: list[ChannelCurve], vpu: FloatArray, bounds: Bounds, budget: float
) -> float:
    """Return the value of the best plan at ``budget`` (no certificate: a search step)."""
    return optimise(curves, vpu, budget, bounds, certify=False).value


def marginal_return(
    curves: list[ChannelCurve], vpu: FloatArray, spend: FloatArray, bounds: Bounds
) -> float:
    """Return the value of the plan's next unit of spend: the best channel with room to grow.

    At the optimum every channel strictly inside its bounds has this marginal ROI (the
    ``marginal_roi`` column). When every channel sits at its cap, it is the best marginal
    ROI the caps block.
    """
    marginal = np.array([v * float(c.marginal(s)) for c, v, s in
                         zip(curves, vpu, spend, strict=True)], dtype=np.float64)
    room = bounds.upper - spend > BINDING_TOLERANCE * np.maximum(1.0, np.abs(bounds.upper))
    return float(np.max(marginal[room])) if room.any() else float(np.max(marginal))


def plan_marginal_return(
    curves: list[ChannelCurve], vpu: FloatArray, bounds: Bounds, budget: float
) -> float:
    """Return :func:`marginal_return` of the best plan at ``budget``."""
    spend = optimise(curves, vpu, budget, bounds, certify=False).spend
    return marginal_return(curves, vpu, spend, bounds)


def bisect_edge(good: float, bad: float, passes: Callable[[float], bool],
                rel_tol: float) -> float:
    """Return the passing end of ``[good, bad]`` (either order) once it spans ``rel_tol``.

    ``passes(good)`` holds and ``passes(bad)`` does not; the interval is halved until its
    width is within ``rel_tol`` of its larger end.
    """
    while abs(bad - good) > rel_tol * max(good, bad):
        middle = 0.5 * (good + bad)
        if passes(middle):
            good = middle
        else:
            bad = middle
    return good


def budget_for_value(
    curves: list[ChannelCurve], vpu: FloatArray, bounds: Bounds, target: float,
    rel_tol: float = RELATIVE_TOLERANCE,
) -> float:
    """Return the smallest weekly budget whose best plan is worth at least ``target`` a week.

    The best plan's value never falls as the budget grows (the curves are non-decreasing),
    so a bisection finds it; the budget returned reaches the target.

    Raises
    ------
    UnreachableTargetError
        When even the largest budget the bounds allow falls short.
    """
    low, high = budget_range(bounds)
    best = plan_value(curves, vpu, bounds, high)
    if best < target:
        raise UnreachableTargetError(
            f"target value {target:,.2f} a week is out of reach: the best plan within the "
            f"bounds is worth {best:,.2f} a week, at the largest budget they allow "
            f"({high:,.2f} a week); lower the target or raise the caps (--max)")
    if plan_value(curves, vpu, bounds, low) >= target:
        return low
    return bisect_edge(high, low, lambda b: plan_value(curves, vpu, bounds, b) >= target,
                       rel_tol)


def budget_for_roi(
    curves: list[ChannelCurve], vpu: FloatArray, bounds: Bounds, roi: float,
    rel_tol: float = RELATIVE_TOLERANCE, scan: int = SCAN_POINTS,
) -> float:
    """Return the largest weekly budget at which the plan's marginal return is still ``roi``.

    S-shaped curves can make the marginal return rise before it falls, so the budgets are
    scanned first and the last crossing from at-or-above ``roi`` to below it is bisected.

    Raises
    ------
    UnreachableTargetError
        When the marginal return stays below ``roi`` at every budget, or is still above it
        at the largest budget the bounds allow.
    """
    low, high = budget_range(bounds)
    grid = np.linspace(low, high, scan)
    returns = np.array([plan_marginal_return(curves, vpu, bounds, float(b)) for b in grid])
    above = np.flatnonzero(returns >= roi)
    if above.size == 0:
        raise UnreachableTargetError(
            f"target ROI {roi:g} is out of reach: the plan's marginal return is at most "
            f"{returns.max():.3g} at any budget within the bounds")
    last = int(above[-1])
    if last == grid.size - 1:
        raise UnreachableTargetError(
            f"target ROI {roi:g} is out of reach: the marginal return is still "
            f"{returns[-1]:.3g} at the largest budget the bounds allow ({high:,.2f} a week); "
            f"raise the caps (--max) or the target")
    return bisect_edge(float(grid[last]), float(grid[last + 1]),
                       lambda b: plan_marginal_return(curves, vpu, bounds, b) >= roi, rel_tol)


def marked_frontier(
    frontier: pd.DataFrame, curves: list[ChannelCurve], vpu: FloatArray, bounds: Bounds,
    marked: Mapping[str, float],
) -> pd.DataFrame:
    """Add one frontier row per named budget and a ``marker`` column naming it ("" elsewhere).

    Rows are sorted by budget; a named budget that is also on the grid appears twice.
    """
    rows = [frontier.assign(marker="")]
    for name, budget in marked.items():
        point = budget_frontier(curves, vpu, bounds, np.array([budget], dtype=np.float64))
        rows.append(point.assign(marker=name))
    joined = pd.concat(rows, ignore_index=True)
    return joined.sort_values("weekly_budget", kind="stable").reset_index(drop=True)
