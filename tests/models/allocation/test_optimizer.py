"""The global optimiser: exact budget, bounds, never below the incumbent, certified near-optimal."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from models.allocation.optimizer import InfeasibleAllocationError, maximise_allocation
from models.allocation.plan import Constraints, channel_bounds, value_per_unit
from models.response.curves import hill


def s_curve(max_value: float, half: float, shape: float):
    return lambda s: max_value * hill(s, half, shape)


channel = st.tuples(
    st.floats(10, 1_000), st.floats(1_000, 20_000), st.floats(0.6, 3.5), st.floats(1.2, 3.0)
)


@settings(max_examples=40, deadline=None)
@given(
    channels=st.lists(channel, min_size=2, max_size=8),
    share=st.floats(0.1, 0.95),
    seed=st.integers(0, 10_000),
)
# Found by hypothesis on a fresh clone: a small budget on an S-curve's convex part left the
# 4,000-cell ceiling programme 0.104% above the optimum; the refined programme is 0.052%.
@example(channels=[(10.0, 1000.0, 1.0, 2.0), (30.0, 1000.0, 3.0, 2.0)], share=0.125, seed=0)
def test_budget_bounds_incumbent_and_certificate(channels, share, seed) -> None:
    fns = [s_curve(v, k, s) for v, k, s, _ in channels]
    upper = np.array([k * cap for _, k, _, cap in channels])
    budget = share * upper.sum()
    rng = np.random.default_rng(seed)
    incumbent = rng.dirichlet(np.ones(len(fns))) * budget
    incumbent = np.minimum(incumbent, upper)
    incumbent = incumbent * budget / incumbent.sum() if incumbent.sum() > 0 else incumbent
    result = maximise_allocation(fns, budget, np.zeros(len(fns)), upper)
    assert result.spend.sum() == pytest.approx(budget, rel=1e-9)
    assert np.all(result.spend >= -1e-9) and np.all(result.spend <= upper + 1e-9)
    feasible = np.all(incumbent <= upper + 1e-9) and abs(incumbent.sum() - budget) < 1e-6 * budget
    if feasible:
        value_incumbent = sum(f(np.array([x]))[0] for f, x in zip(fns, incumbent, strict=True))
        assert result.value >= value_incumbent - 1e-9 * abs(value_incumbent)
    assert result.gap <= 1e-3


@pytest.mark.parametrize("seed", range(5))
def test_matches_brute_force_on_two_s_curves(seed) -> None:
    rng = np.random.default_rng(seed)
    fns = [
        s_curve(rng.uniform(50, 200), rng.uniform(2e3, 1e4), rng.uniform(1.5, 3.5))
        for _ in range(2)
    ]
    budget, upper = 12_000.0, np.array([12_000.0, 12_000.0])
    grid = np.linspace(0, budget, 2_000_001)
    brute = (fns[0](grid) + fns[1](budget - grid)).max()
    result = maximise_allocation(fns, budget, np.zeros(2), upper)
    assert result.value >= brute * (1 - 1e-6)
    assert result.upper_bound >= brute * (1 - 1e-9)
    assert result.gap <= 1e-3


def test_s_curve_optimum_is_found_when_a_local_search_would_miss_it() -> None:
    # A steep S-curve pays off only past its threshold; starting from an even split,
    # local marginal reasoning keeps the money in the concave channel.
    fns = [s_curve(100.0, 5_000.0, 0.8), s_curve(400.0, 8_000.0, 4.0)]
    result = maximise_allocation(fns, 10_000.0, np.zeros(2), np.array([10_000.0, 10_000.0]))
    assert result.spend[1] > 7_000


def test_bounds_pin_the_plan_and_infeasible_budgets_are_named() -> None:
    fns = [s_curve(100, 1_000, 1.0), s_curve(100, 1_000, 1.0)]
    pinned = maximise_allocation(fns, 500.0, np.array([200.0, 300.0]), np.array([200.0, 300.0]))
    assert pinned.spend.tolist() == [200.0, 300.0]
    with pytest.raises(InfeasibleAllocationError, match="minimums sum"):
        maximise_allocation(fns, 100.0, np.array([200.0, 0.0]), np.array([300.0, 300.0]))
    with pytest.raises(InfeasibleAllocationError, match="maximums sum"):
        maximise_allocation(fns, 1_000.0, np.zeros(2), np.array([300.0, 300.0]))


def test_zero_budget_spends_nothing() -> None:
    fns = [s_curve(100, 1_000, 2.0)] * 3
    result = maximise_allocation(fns, 0.0, np.zeros(3), np.full(3, 1_000.0))
    assert result.spend.tolist() == [0.0, 0.0, 0.0]


def test_channel_bounds_apply_locks_max_change_and_user_limits() -> None:
    current = np.array([100.0, 200.0, 300.0])
    bounds = channel_bounds(
        ["a", "b", "c"],
        current,
        np.array([1e3, 1e3, 1e3]),
        Constraints(
            minimum={"a": 50.0}, maximum={"b": 150.0}, locked=frozenset({"c"}), max_change=0.25
        ),
    )
    assert bounds.lower.tolist() == [75.0, 150.0, 300.0]
    assert bounds.upper.tolist() == [125.0, 150.0, 300.0]
    assert bounds.lower_reason == ["max_change", "max_change", "locked"]
    assert bounds.upper_reason == ["max_change", "max", "locked"]


def test_contradictory_and_unknown_constraints_are_named() -> None:
    with pytest.raises(InfeasibleAllocationError, match="a: lower bound"):
        channel_bounds(
            ["a"],
            np.array([100.0]),
            np.array([1e3]),
            Constraints(minimum={"a": 500.0}, maximum={"a": 100.0}),
        )
    with pytest.raises(InfeasibleAllocationError, match=r"unknown channel.*zz"):
        channel_bounds(
            ["a"], np.array([100.0]), np.array([1e3]), Constraints(locked=frozenset({"zz"}))
        )


def test_value_per_unit_is_conversion_times_cltv() -> None:
    import pandas as pd

    cltv = pd.DataFrame({"channel": ["a", "b"], "cltv_mean": [1_000.0, 200.0]})
    conv = pd.DataFrame({"channel": ["a", "b"], "p_convert": [0.1, 0.5]})
    assert value_per_unit(["b", "a"], "leads", cltv, conv).tolist() == [100.0, 100.0]
    assert value_per_unit(["a"], "new_customers", cltv, None).tolist() == [1_000.0]
    with pytest.raises(ValueError, match="P\\(convert\\) is missing for b"):
        value_per_unit(["b"], "leads", cltv, conv[conv["channel"] == "a"])
