"""What-if planning for a person at a page: their limits, why each channel moved, chart data.

Pure functions on top of :mod:`models.allocation.planning`; nothing here reads files.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from models.allocation.plan import Bounds, Constraints, budget_frontier
from models.allocation.planning import PlanningInputs
from models.response.model import ChannelCurve

# How each bound reads in a sentence; the keys are the reasons of `plan.channel_bounds`.
BOUND_WORDS = {
    "max": "your maximum",
    "min": "your minimum",
    "history_cap": "its history cap (twice its highest 13-week spend; the curve is not "
                   "trusted beyond it)",
    "max_change": "the max-change limit",
    "zero": "zero",
}


@dataclass(frozen=True)
class ChannelLimits:
    """What a planner pins for one channel: amounts for the whole period, or a lock."""

    minimum: float | None = None
    maximum: float | None = None
    locked: bool = False


def _amount(value: float | None, channel: str, what: str) -> float | None:
    if value is None:
        return None
    if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
        raise ValueError(f"{channel}: the {what} must be a number >= 0, not {value!r}")
    return float(value)


def constraints_from_limits(limits: Mapping[str, ChannelLimits], weeks: int) -> Constraints:
    """Turn per-channel period limits into weekly :class:`Constraints`.

    Parameters
    ----------
    limits : mapping of str to ChannelLimits
        Per channel, the minimum and maximum spend over the period (None: no limit) and
        whether it is locked at its current weekly spend.
    weeks : int
        Weeks in the period, >= 1; amounts are divided by it.

    Raises
    ------
    ValueError
        When ``weeks`` < 1 or an amount is negative or not a number.
    """
    if weeks < 1:
        raise ValueError(f"the period must be at least 1 week, not {weeks}")
    minimum: dict[str, float] = {}
    maximum: dict[str, float] = {}
    for channel, limit in limits.items():
        low = _amount(limit.minimum, channel, "minimum")
        high = _amount(limit.maximum, channel, "maximum")
        if low is not None:
            minimum[channel] = low / weeks
        if high is not None:
            maximum[channel] = high / weeks
    locked = frozenset(c for c, limit in limits.items() if limit.locked)
    return Constraints(minimum=minimum, maximum=maximum, locked=locked)


def going_rate(table: pd.DataFrame) -> float:
    """Marginal ROI the free channels share at the optimum (median over them), or NaN.

    ``table`` has the columns of ``budget_allocation.csv``: a channel that no bound holds
    and that gets money is spent until its marginal ROI falls to this rate.
    """
    free = table[(table["binding"] == "none") & (table["recommended_weekly_spend"] > 0)]
    return float(free["marginal_roi"].median()) if len(free) else float("nan")


def why(row: Mapping[Any, Any], rate: float) -> str:
    """One sentence on why a channel got its recommended spend.

    Parameters
    ----------
    row : mapping
        One row of a plan table (``binding``, ``change_pct``, ``marginal_roi``,
        ``recommended_weekly_spend``).
    rate : float
        The plan's going rate (:func:`going_rate`); NaN when no channel is free.
    """
    bound = str(row["binding"])
    roi = float(str(row["marginal_roi"]))
    change = float(str(row["change_pct"]))
    than = f" (the going rate is {rate:.2f})" if math.isfinite(rate) else ""
    if bound == "locked":
        return "Locked at its current spend."
    if bound == "zero" or (bound != "none" and float(str(row["recommended_weekly_spend"])) <= 0):
        return f"Cut to zero: another 1 would return only {roi:.2f} in value{than}."
    if bound == "min" or (bound == "max_change" and change < 0):
        return f"Held at {BOUND_WORDS[bound]}: it returns {roi:.2f} per extra 1{than}."
    if bound != "none":
        return (f"Stopped at {BOUND_WORDS.get(bound, bound)}: another 1 would still return "
                f"{roi:.2f}{than}.")
    if not math.isfinite(change) or abs(change) < 0.5:
        verb = "Kept"
    else:
        verb = f"{'Raised' if change > 0 else 'Cut'} {abs(change):.0f}%"
    return f"{verb}: spent until another 1 returns {roi:.2f}, the rate every free channel meets."


def why_lines(table: pd.DataFrame) -> list[str]:
    """One :func:`why` sentence per row of a plan table, in its order."""
    rate = going_rate(table)
    return [why(row, rate) for row in table.to_dict("records")]


def frontier(
    inputs: PlanningInputs, bounds: Bounds, weekly_budget: float, points: int = 11,
    low: float = 0.5, high: float = 1.5,
) -> pd.DataFrame:
    """Best weekly value from ``low`` to ``high`` times the budget, under the same bounds.

    Returns the frame of :func:`models.allocation.plan.budget_frontier`
    (``weekly_budget``, ``expected_value``, ``spend_<channel>``); infeasible budgets are left out.
    """
    curves = [inputs.curves.channel(c) for c in inputs.channels]
    budgets = weekly_budget * np.linspace(low, high, points)
    return budget_frontier(curves, inputs.value_per_unit, bounds, budgets)


def curve_points(curve: ChannelCurve, value_per_unit: float, upto: float,
                 points: int = 60) -> pd.DataFrame:
    """Weekly value along a channel's response curve, from 0 to ``upto`` spend.

    Returns columns ``spend`` and ``value`` (value per unit times response).
    """
    spend = np.linspace(0.0, max(float(upto), 1.0), points)
    return pd.DataFrame({"spend": spend,
                         "value": value_per_unit * np.asarray(curve.response(spend))})
