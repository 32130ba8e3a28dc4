"""Budget plans on fitted response curves: bounds, user constraints, bands and the frontier.

Objective: ``sum_c value_per_unit_c * response_c(s_c)``, where value_per_unit is
P(convert | c) * CLTV_c per lead (or CLTV_c per new customer when there are no leads).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from models.allocation.optimizer import (
    AllocationResult,
    InfeasibleAllocationError,
    maximise_allocation,
)
from models.response.model import ChannelCurve, FloatArray
from models.response.uncertainty import CurveSet

PLAN_COLUMNS = [
    "channel",
    "current_weekly_spend",
    "recommended_weekly_spend",
    "change_pct",
    "lower_bound",
    "upper_bound",
    "expected_response",
    "value_per_unit",
    "expected_value",
    "marginal_roi",
    "binding",
    "expected_value_p10",
    "expected_value_p90",
]
_TOL = 1e-6
BINDING_TOLERANCE = 1e-3  # a spend within 0.1% of a bound is reported as sitting at it
CURRENT_WEEKS = 13


def current_spend(spend: pd.DataFrame, weeks: int = CURRENT_WEEKS) -> pd.Series:
    """Return mean weekly spend per channel over the last ``weeks`` weeks (week, channel, spend)."""
    last = spend["week"].drop_duplicates().nlargest(weeks)
    return spend[spend["week"].isin(last)].groupby("channel")["spend"].mean()


def spend_upper_bounds(spend: pd.DataFrame, weeks: int = CURRENT_WEEKS) -> pd.Series:
    """Return twice the highest rolling ``weeks``-week mean weekly spend: the default cap."""
    wide = spend.pivot(index="week", columns="channel", values="spend").sort_index().fillna(0.0)
    return 2.0 * wide.rolling(weeks, min_periods=min(weeks, len(wide))).mean().max()


@dataclass(frozen=True)
class Constraints:
    """What a planner may pin: per-channel minimum and maximum, locks, a max change share."""

    minimum: Mapping[str, float] = field(default_factory=dict)
    maximum: Mapping[str, float] = field(default_factory=dict)
    locked: frozenset[str] = frozenset()
    max_change: float | None = None


@dataclass(frozen=True)
class Bounds:
    """Per-channel bounds and the name of the rule that set each side."""

    lower: FloatArray
    upper: FloatArray
    lower_reason: list[str]
    upper_reason: list[str]


def _check_names(channels: list[str], constraints: Constraints) -> None:
    named = set(constraints.minimum) | set(constraints.maximum) | set(constraints.locked)
    unknown = sorted(named - set(channels))
    if unknown:
        raise InfeasibleAllocationError(
            f"unknown channel(s) {', '.join(unknown)}; paid channels are {', '.join(channels)}"
        )


def channel_bounds(
    channels: list[str], current: FloatArray, history_cap: FloatArray, constraints: Constraints
) -> Bounds:
    """Combine the default bounds (0 to the history cap) with the planner's constraints."""
    _check_names(channels, constraints)
    lower, upper = np.zeros(len(channels)), history_cap.astype(np.float64).copy()
    lo_why, hi_why = ["zero"] * len(channels), ["history_cap"] * len(channels)
    for i, name in enumerate(channels):
        if name in constraints.maximum:
            upper[i], hi_why[i] = constraints.maximum[name], "max"
        if name in constraints.minimum:
            lower[i], lo_why[i] = constraints.minimum[name], "min"
        if constraints.max_change is not None:
            low, high = (
                current[i] * (1 - constraints.max_change),
                current[i] * (1 + constraints.max_change),
            )
            if low > lower[i]:
                lower[i], lo_why[i] = low, "max_change"
            if high < upper[i]:
                upper[i], hi_why[i] = high, "max_change"
        if name in constraints.locked:
            lower[i] = upper[i] = current[i]
            lo_why[i] = hi_why[i] = "locked"
        if lower[i] > upper[i] + _TOL:
            raise InfeasibleAllocationError(
                f"{name}: lower bound {lower[i]:,.2f} ({lo_why[i]}) is above the upper bound "
                f"{upper[i]:,.2f} ({hi_why[i]})"
            )
    return Bounds(lower, upper, lo_why, hi_why)


def binding(spend: float, bounds: Bounds, i: int) -> str:
    """Name the bound channel ``i`` sits at: its reason (``history_cap``, ``min`` ...) or ``none``.

    A spend within ``BINDING_TOLERANCE`` (relative, floor 1) of a bound sits at it: the
    optimiser's grid stops a fraction of a cell short of a cap, and a planner told "none"
    for a channel 0.005% under its cap is told the wrong reason.
    """
    if bounds.lower_reason[i] == "locked":
        return "locked"
    if bounds.upper[i] - spend <= BINDING_TOLERANCE * max(1.0, abs(bounds.upper[i])):
        return bounds.upper_reason[i]
    if spend - bounds.lower[i] <= BINDING_TOLERANCE * max(1.0, abs(bounds.lower[i])):
        return bounds.lower_reason[i]
    return "none"


def optimise(
    curves: list[ChannelCurve],
    value_per_unit: FloatArray,
    budget: float,
    bounds: Bounds,
    incumbent: FloatArray | None = None,
    certify: bool = True,
) -> AllocationResult:
    """Maximise total value over the given curves within the bounds (never below ``incumbent``).

    ``certify=False`` skips the upper bound (see :func:`maximise_allocation`).
    """
    fns = [
        lambda s, c=c, v=v: v * c.response(s) for c, v in zip(curves, value_per_unit, strict=True)
    ]
    try:
        return maximise_allocation(fns, budget, bounds.lower, bounds.upper, incumbent=incumbent,
                                   certify=certify)
    except InfeasibleAllocationError as err:
        pinned = [
            f"{c.channel} ({why})"
            for c, why in zip(curves, bounds.lower_reason, strict=True)
            if why != "zero"
        ]
        capped = [
            f"{c.channel} ({why})" for c, why in zip(curves, bounds.upper_reason, strict=True)
        ]
        detail = f"; lower bounds set by {', '.join(pinned) or 'nothing'}"
        if "maximums" in str(err):
            detail = f"; upper bounds: {', '.join(capped)}"
        raise InfeasibleAllocationError(f"{err}{detail}") from err


def draw_values(vpu: FloatArray, vpu_draws: FloatArray | None, n_draws: int) -> FloatArray:
    """Value per unit for each bootstrap draw: the given draws, or the point value repeated."""
    if vpu_draws is None:
        return np.tile(np.asarray(vpu, dtype=np.float64), (n_draws, 1))
    if vpu_draws.shape != (n_draws, len(vpu)):
        raise ValueError(f"value draws have shape {vpu_draws.shape}, expected "
                         f"({n_draws}, {len(vpu)}): one per bootstrap set and channel")
    return vpu_draws


def _value_bands(
    curve_set: CurveSet, channels: list[str], vpu: FloatArray, spend: FloatArray,
    vpu_draws: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray]:
    if not curve_set.bootstrap:
        value = np.array(
            [
                v * curve_set.channel(c).response(s)
                for c, v, s in zip(channels, vpu, spend, strict=True)
            ],
            dtype=np.float64,
        )
        return value, value
    values = draw_values(vpu, vpu_draws, len(curve_set.bootstrap))
    draws = np.array(
        [
            [values[b, i] * d.response(s) for b, d in enumerate(curve_set.draws(c))]
            for i, (c, s) in enumerate(zip(channels, spend, strict=True))
        ],
        dtype=np.float64,
    )
    return np.percentile(draws, 10, axis=1), np.percentile(draws, 90, axis=1)


def probability_plan_beats(
    curve_set: CurveSet,
    channels: list[str],
    vpu: FloatArray,
    plan: FloatArray,
    current: FloatArray,
    vpu_draws: FloatArray | None = None,
) -> float:
    """Share of bootstrap draws where the plan is worth more than the current mix.

    Each draw is a curve set, paired with a row of `vpu_draws` when given.
    """
    if not curve_set.bootstrap:
        return float("nan")
    values = draw_values(vpu, vpu_draws, len(curve_set.bootstrap))
    wins = []
    for draw, value in zip(curve_set.bootstrap, values, strict=True):
        by_name = {c.channel: c for c in draw}
        gain = sum(
            v * (by_name[c].response(p) - by_name[c].response(q))
            for c, v, p, q in zip(channels, value, plan, current, strict=True)
        )
        wins.append(float(gain) > 0)
    return float(np.mean(wins))


def plan_table(
    curve_set: CurveSet,
    channels: list[str],
    vpu: FloatArray,
    current: FloatArray,
    result: AllocationResult,
    bounds: Bounds,
    vpu_draws: FloatArray | None = None,
) -> pd.DataFrame:
    """One row per channel in the stable column order of ``budget_allocation.csv``.

    The p10/p90 value bands pair each bootstrap curve set with row ``b`` of `vpu_draws`
    (see `models.allocation.value_draws`) when given, else with the point value per unit.
    """
    curves = [curve_set.channel(c) for c in channels]
    spend = result.spend
    response = np.array([c.response(s) for c, s in zip(curves, spend, strict=True)], dtype=float)
    marginal = np.array([c.marginal(s) for c, s in zip(curves, spend, strict=True)], dtype=float)
    p10, p90 = _value_bands(curve_set, channels, vpu, spend, vpu_draws)
    change = np.where(current > 0, (spend - current) / np.where(current > 0, current, 1.0), np.nan)
    return pd.DataFrame(
        {
            "channel": channels,
            "current_weekly_spend": current,
            "recommended_weekly_spend": spend,
            "change_pct": 100 * change,
            "lower_bound": bounds.lower,
            "upper_bound": bounds.upper,
            "expected_response": response,
            "value_per_unit": vpu,
            "expected_value": vpu * response,
            "marginal_roi": vpu * marginal,
            "binding": [binding(float(s), bounds, i) for i, s in enumerate(spend)],
            "expected_value_p10": p10,
            "expected_value_p90": p90,
        }
    )[PLAN_COLUMNS]


def budget_frontier(
    curves: list[ChannelCurve], vpu: FloatArray, bounds: Bounds, budgets: FloatArray
) -> pd.DataFrame:
    """Best value at each budget (the efficient frontier); infeasible budgets are skipped."""
    rows = []
    for budget in budgets:
        try:
            result = optimise(curves, vpu, float(budget), bounds)
        except InfeasibleAllocationError:
            continue
        row = {"weekly_budget": float(budget), "expected_value": result.value}
        row |= {f"spend_{c.channel}": float(s) for c, s in zip(curves, result.spend, strict=True)}
        rows.append(row)
    return pd.DataFrame(rows)


def value_per_unit(
    channels: list[str], response_unit: str, cltv: pd.DataFrame, conversion: pd.DataFrame | None
) -> FloatArray:
    """Value of one more unit of response per channel.

    Parameters
    ----------
    channels : list of str
        Paid channels, in plan order.
    response_unit : {"leads", "new_customers"}
        What the curves predict.
    cltv : pandas.DataFrame
        Columns channel, cltv_mean: the horizon value of a new customer.
    conversion : pandas.DataFrame or None
        Columns channel, p_convert; required when the response is leads.
    """
    cltv_by = cltv.set_index("channel")["cltv_mean"].astype(float)
    missing = [c for c in channels if c not in cltv_by.index or not np.isfinite(cltv_by[c])]
    if missing:
        raise ValueError(f"channel CLTV is missing for {', '.join(missing)}")
    values: FloatArray = np.asarray(cltv_by.reindex(channels).to_numpy(), dtype=np.float64)
    if response_unit == "new_customers":
        return values
    if conversion is None:
        raise ValueError("the curves predict leads, but there is no channel P(convert)")
    p_by = conversion.set_index("channel")["p_convert"].astype(float)
    missing = [c for c in channels if c not in p_by.index or not np.isfinite(p_by[c])]
    if missing:
        raise ValueError(f"channel P(convert) is missing for {', '.join(missing)}")
    return np.asarray(values * p_by.reindex(channels).to_numpy(dtype=np.float64), dtype=np.float64)
