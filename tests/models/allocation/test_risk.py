"""The risk-averse plan: its objective, its gradient and a safer downside than the plain plan."""

from __future__ import annotations

import numpy as np
import pytest

from models.allocation.plan import Constraints
from models.allocation.planning import PlanningInputs, make_plan
from models.allocation.risk import curve_arrays, objective, objective_gradient, spread
from models.response.model import ChannelCurve
from models.response.uncertainty import CurveSet

# "safe" is known exactly; "risky" is worth 10% more at its point estimate, but its bootstrap
# draws put its ceiling anywhere from 30% to 190% of that.
SAFE = ChannelCurve("safe", True, 0.0, 100.0, 1_000.0, 1.0)
RISKY = ChannelCurve("risky", True, 0.0, 110.0, 1_000.0, 1.0)
FACTORS = np.linspace(0.3, 1.9, 20)
DRAWS = [[SAFE, ChannelCurve("risky", True, 0.0, 110.0 * f, 1_000.0, 1.0)] for f in FACTORS]
CURVES = CurveSet("leads", [SAFE, RISKY], DRAWS)
INPUTS = PlanningInputs(curves=CURVES, channels=["risky", "safe"],
                        current=np.array([1_000.0, 1_000.0]),
                        history_cap=np.array([4_000.0, 4_000.0]),
                        value_per_unit=np.array([1.0, 1.0]))


def test_risk_aversion_raises_the_plans_p10_and_narrows_it() -> None:
    neutral = make_plan(INPUTS, 2_000.0, Constraints())
    averse = make_plan(INPUTS, 2_000.0, Constraints(), risk_aversion=1.0)
    assert averse.risk is not None
    assert averse.risk.plan.p10 >= averse.risk.neutral.p10
    assert averse.risk.plan.sd < averse.risk.neutral.sd
    spend = dict(zip(INPUTS.channels, averse.result.spend, strict=True))
    assert spend["safe"] > dict(zip(INPUTS.channels, neutral.result.spend, strict=True))["safe"]
    assert averse.result.spend.sum() == pytest.approx(2_000.0, rel=1e-9)
    assert averse.risk.neutral.expected == pytest.approx(neutral.result.value)


def test_zero_risk_aversion_is_the_plain_plan() -> None:
    plain = make_plan(INPUTS, 2_000.0, Constraints())
    zero = make_plan(INPUTS, 2_000.0, Constraints(), risk_aversion=0.0)
    assert zero.risk is None
    assert zero.table.equals(plain.table)
    np.testing.assert_array_equal(zero.result.spend, plain.result.spend)
    assert zero.result.value == plain.result.value


def test_the_gradient_matches_finite_differences() -> None:
    arrays = curve_arrays(CURVES, ["risky", "safe"], np.ones(2), np.ones((len(DRAWS), 2)))
    spend = np.array([1_200.0, 800.0])
    step = 1e-3
    numeric = [(objective(arrays, spend + step * e, 0.7) - objective(arrays, spend - step * e,
                                                                     0.7)) / (2 * step)
               for e in np.eye(2)]
    np.testing.assert_allclose(objective_gradient(arrays, spend, 0.7), numeric, rtol=1e-5)


def test_the_spread_of_a_certain_plan_is_zero() -> None:
    # All of the budget on the safe channel: every draw is worth 100 * 2000 / 3000.
    arrays = curve_arrays(CURVES, ["risky", "safe"], np.ones(2), np.ones((len(DRAWS), 2)))
    view = spread(arrays, np.array([0.0, 2_000.0]))
    assert view.sd == pytest.approx(0.0, abs=1e-9)
    assert view.p10 == pytest.approx(200.0 / 3.0) == view.expected


def test_risk_aversion_without_bootstrap_draws_is_an_error() -> None:
    bare = PlanningInputs(curves=CurveSet("leads", [SAFE, RISKY], []),
                          channels=["risky", "safe"], current=np.array([1_000.0, 1_000.0]),
                          history_cap=np.array([4_000.0, 4_000.0]),
                          value_per_unit=np.array([1.0, 1.0]))
    with pytest.raises(ValueError, match="bootstrap"):
        make_plan(bare, 2_000.0, Constraints(), risk_aversion=1.0)

