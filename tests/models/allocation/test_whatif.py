"""What-if helpers: period limits to weekly constraints, the "why" of each channel, chart data."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from models.allocation.plan import Constraints, channel_bounds
from models.allocation.planning import PlanningInputs
from models.allocation.whatif import (
    ChannelLimits,
    constraints_from_limits,
    curve_points,
    frontier,
    going_rate,
    why,
    why_lines,
)
from models.response.model import ChannelCurve
from models.response.uncertainty import CurveSet


def test_period_limits_become_weekly_constraints() -> None:
    limits = {"a": ChannelLimits(minimum=1300.0), "b": ChannelLimits(maximum=2600.0),
              "c": ChannelLimits(locked=True), "d": ChannelLimits()}
    got = constraints_from_limits(limits, weeks=13)
    assert got.minimum == {"a": 100.0}
    assert got.maximum == {"b": 200.0}
    assert got.locked == frozenset({"c"})
    assert got.max_change is None


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf")])
def test_a_negative_or_non_finite_limit_names_the_channel(bad: float) -> None:
    with pytest.raises(ValueError, match="<b>x</b>: the minimum"):
        constraints_from_limits({"<b>x</b>": ChannelLimits(minimum=bad)}, weeks=4)


def test_a_period_shorter_than_a_week_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1 week"):
        constraints_from_limits({}, weeks=0)


def _table(binding: list[str], change: list[float], roi: list[float],
           spend: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"channel": [f"c{i}" for i in range(len(binding))], "binding": binding,
                         "change_pct": change, "marginal_roi": roi,
                         "recommended_weekly_spend": spend})


def test_the_going_rate_is_the_median_roi_of_the_free_funded_channels() -> None:
    table = _table(["none", "none", "none", "history_cap", "none"],
                   [10.0, -5.0, 0.0, 50.0, -100.0], [1.0, 1.2, 1.1, 3.0, 0.0],
                   [10.0, 10.0, 10.0, 10.0, 0.0])
    assert going_rate(table) == pytest.approx(1.1)  # c3 is capped, c4 gets nothing
    assert math.isnan(going_rate(table.iloc[[3]]))


def test_each_binding_gets_its_own_reason() -> None:
    table = _table(["locked", "history_cap", "zero", "none", "none", "min", "max"],
                   [0.0, 80.0, -100.0, 25.0, -40.0, 300.0, 10.0],
                   [0.9, 2.5, 0.3, 1.0, 1.0, 0.4, 1.7], [5, 9, 0, 5, 5, 8, 6])
    lines = why_lines(table)
    assert lines[0] == "Locked at its current spend."
    assert lines[1].startswith("Stopped at its history cap") and "2.50" in lines[1]
    assert lines[2].startswith("Cut to zero") and "going rate is 1.00" in lines[2]
    assert lines[3].startswith("Raised 25%") and lines[4].startswith("Cut 40%")
    assert lines[5].startswith("Held at your minimum")
    assert lines[6].startswith("Stopped at your maximum")


def test_an_unchanged_channel_is_kept() -> None:
    row = {"binding": "none", "change_pct": 0.1, "marginal_roi": 1.0,
           "recommended_weekly_spend": 5.0}
    assert why(row, 1.0).startswith("Kept")


def test_curve_points_start_at_the_base_value_and_rise() -> None:
    curve = ChannelCurve("a", True, 5.0, 100.0, 1_000.0, 1.5, 0.0)
    points = curve_points(curve, value_per_unit=2.0, upto=5_000.0, points=30)
    assert points["spend"].iloc[0] == 0.0 and points["spend"].iloc[-1] == 5_000.0
    assert points["value"].iloc[0] == pytest.approx(10.0)  # 2 x base
    assert np.all(np.diff(points["value"]) > 0)


def test_the_frontier_rises_with_the_budget_under_the_same_bounds() -> None:
    curves = [ChannelCurve("a", True, 1.0, 100.0, 1_000.0, 1.2, 0.0),
              ChannelCurve("b", True, 1.0, 50.0, 2_000.0, 1.0, 0.0)]
    inputs = PlanningInputs(CurveSet("leads", curves, []), ["a", "b"],
                            np.array([1_000.0, 1_000.0]), np.array([5_000.0, 5_000.0]),
                            np.array([3.0, 2.0]))
    bounds = channel_bounds(inputs.channels, inputs.current, inputs.history_cap,
                            Constraints(locked=frozenset({"b"})))
    points = frontier(inputs, bounds, 2_000.0, points=5)
    assert list(points["weekly_budget"]) == pytest.approx([1_000, 1_500, 2_000, 2_500, 3_000])
    assert np.all(np.diff(points["expected_value"]) > 0)
    assert np.allclose(points["spend_b"], 1_000.0)  # the lock holds along the frontier
