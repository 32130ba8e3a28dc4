"""Budgets from a target value or ROI, on curves whose answers are computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.allocation.plan import Bounds, budget_frontier, optimise
from models.allocation.targets import (
    UnreachableTargetError,
    budget_for_roi,
    budget_for_value,
    marginal_return,
    marked_frontier,
)
from models.response.model import ChannelCurve

# Two identical concave channels: value(s) = 100 * s / (s + 1000) each, value per lead 1.
CURVES = [ChannelCurve("a", True, 0.0, 100.0, 1_000.0, 1.0), ChannelCurve("b", True, 0.0, 100.0,
                                                                          1_000.0, 1.0)]
VPU = np.array([1.0, 1.0])
BOUNDS = Bounds(np.zeros(2), np.full(2, 5_000.0), ["zero"] * 2, ["history_cap"] * 2)


def test_target_value_is_the_smallest_budget_that_reaches_it() -> None:
    # Each channel gets half: 2 * 100 * s / (s + 1000) = 100 at s = 1000, so B = 2000.
    budget = budget_for_value(CURVES, VPU, BOUNDS, 100.0, rel_tol=1e-4)
    assert budget == pytest.approx(2_000.0, rel=1e-4)
    value = optimise(CURVES, VPU, budget, BOUNDS).value
    assert 100.0 <= value <= 100.0 * 1.005
    assert optimise(CURVES, VPU, 0.99 * budget, BOUNDS).value < 100.0


def test_an_unreachable_target_value_is_a_clear_error() -> None:
    # At the caps each channel is worth 100 * 5000 / 6000 = 83.3, so 166.7 at most.
    with pytest.raises(UnreachableTargetError, match=r"out of reach.*166\.67"):
        budget_for_value(CURVES, VPU, BOUNDS, 170.0)


def test_a_target_already_met_at_the_minimums_returns_them() -> None:
    floor = Bounds(np.full(2, 1_000.0), np.full(2, 5_000.0), ["min"] * 2, ["history_cap"] * 2)
    assert budget_for_value(CURVES, VPU, floor, 50.0) == pytest.approx(2_000.0)


def test_target_roi_is_where_the_marginal_return_falls_to_it() -> None:
    # 100 * 1000 / (s + 1000)^2 = 0.025 at s = 1000 per channel, so B = 2000.
    budget = budget_for_roi(CURVES, VPU, BOUNDS, 0.025, rel_tol=1e-4, scan=11)
    assert budget == pytest.approx(2_000.0, rel=1e-3)
    spend = optimise(CURVES, VPU, budget, BOUNDS).spend
    assert marginal_return(CURVES, VPU, spend, BOUNDS) == pytest.approx(0.025, rel=1e-3)


@pytest.mark.parametrize(("roi", "message"), [(0.2, "at most"), (0.001, "still")])
def test_an_unreachable_target_roi_is_a_clear_error(roi: float, message: str) -> None:
    # The marginal return is 0.1 at zero spend and 100*1000/6000^2 = 0.0028 at the caps.
    with pytest.raises(UnreachableTargetError, match=message):
        budget_for_roi(CURVES, VPU, BOUNDS, roi, scan=11)


def test_the_frontier_marks_each_target_in_budget_order() -> None:
    budgets = np.array([1_000.0, 3_000.0])
    frontier = budget_frontier(CURVES, VPU, BOUNDS, budgets)
    marked = marked_frontier(frontier, CURVES, VPU, BOUNDS,
                             {"target_value": 2_000.0, "target_roi": 500.0})
    assert marked["marker"].tolist() == ["target_roi", "", "target_value", ""]
    assert marked["weekly_budget"].is_monotonic_increasing
    assert marked.loc[2, "expected_value"] == pytest.approx(100.0, rel=1e-6)
    unmarked = marked_frontier(frontier, CURVES, VPU, BOUNDS, {})
    pd.testing.assert_frame_equal(unmarked.drop(columns="marker"), frontier)
