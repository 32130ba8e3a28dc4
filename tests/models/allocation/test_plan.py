"""The binding column: which bound a recommended spend sits at, within the stated tolerance."""

from __future__ import annotations

import numpy as np
import pytest

from models.allocation.plan import BINDING_TOLERANCE, Bounds, binding


def bounds(lower: float, upper: float, lower_reason: str = "zero",
           upper_reason: str = "history_cap") -> Bounds:
    return Bounds(np.array([lower]), np.array([upper]), [lower_reason], [upper_reason])


def test_a_spend_a_hair_under_its_cap_is_at_the_cap() -> None:
    # Seen in reports/budget_allocation.csv: 5,025.73 against an upper bound of 5,025.96, with
    # a marginal ROI of 0.57 while every free channel had 0.36. It sits at its history cap.
    assert binding(5025.73, bounds(0.0, 5025.96), 0) == "history_cap"


def test_a_spend_clearly_inside_its_bounds_is_free() -> None:
    assert binding(4000.0, bounds(0.0, 5025.96), 0) == "none"
    assert binding(5025.96 * (1 - 2 * BINDING_TOLERANCE), bounds(0.0, 5025.96), 0) == "none"


@pytest.mark.parametrize(("spend", "expected"), [(0.0, "zero"), (0.0004, "zero"), (2.0, "none")])
def test_the_lower_bound_uses_an_absolute_floor_of_one(spend: float, expected: str) -> None:
    assert binding(spend, bounds(0.0, 100.0), 0) == expected


def test_a_user_minimum_and_a_lock_are_named() -> None:
    assert binding(1000.0, bounds(1000.0, 9000.0, lower_reason="min"), 0) == "min"
    assert binding(1000.0, bounds(1000.0, 1000.0, "locked", "locked"), 0) == "locked"
