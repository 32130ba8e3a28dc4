"""Value-per-unit draws, and the plan bands and P(plan beats current) that use them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.allocation.optimizer import AllocationResult
from models.allocation.plan import Bounds, plan_table, probability_plan_beats
from models.allocation.value_draws import value_per_unit_draws
from models.response.model import ChannelCurve
from models.response.uncertainty import CurveSet

CHANNELS = ["events", "search"]
CLTV = pd.DataFrame({"channel": CHANNELS, "cltv_mean": [2_000.0, 500.0],
                     "cltv_p10": [1_600.0, 490.0], "cltv_p90": [2_500.0, 510.0]})
CONVERSION = pd.DataFrame({"channel": CHANNELS, "p_convert": [0.2, 0.05],
                           "p_convert_low": [0.1, 0.045], "p_convert_high": [0.35, 0.055]})


def test_cltv_draws_keep_the_mean_and_match_the_interval() -> None:
    draws = value_per_unit_draws(CHANNELS, "new_customers", CLTV, None, 200_000, seed=1)
    assert draws.shape == (200_000, 2)
    np.testing.assert_allclose(draws.mean(axis=0), [2_000.0, 500.0], rtol=0.005)
    p10, p90 = np.percentile(draws[:, 0], [10, 90])
    assert p10 == pytest.approx(1_600.0, rel=0.03) and p90 == pytest.approx(2_500.0, rel=0.03)


def test_conversion_draws_match_the_95_percent_interval() -> None:
    flat = CLTV.drop(columns=["cltv_p10", "cltv_p90"]).assign(cltv_mean=1.0)
    draws = value_per_unit_draws(CHANNELS, "leads", flat, CONVERSION, 200_000, seed=2)
    low, high = np.percentile(draws[:, 0], [2.5, 97.5])
    # The interval is not symmetric in the logit around 0.2, so its ends match only roughly.
    assert low == pytest.approx(0.1, rel=0.15) and high == pytest.approx(0.35, rel=0.15)
    assert np.median(draws[:, 0]) == pytest.approx(0.2, rel=0.1)


def test_same_seed_same_draws_and_no_interval_means_no_spread() -> None:
    one = value_per_unit_draws(CHANNELS, "leads", CLTV, CONVERSION, 50, seed=7)
    np.testing.assert_array_equal(one, value_per_unit_draws(CHANNELS, "leads", CLTV,
                                                            CONVERSION, 50, seed=7))
    assert not np.array_equal(one, value_per_unit_draws(CHANNELS, "leads", CLTV,
                                                         CONVERSION, 50, seed=8))
    bare = value_per_unit_draws(CHANNELS, "leads", CLTV[["channel", "cltv_mean"]],
                                CONVERSION[["channel", "p_convert"]], 5, seed=7)
    np.testing.assert_allclose(bare, np.tile([400.0, 25.0], (5, 1)))


def test_leads_need_conversion() -> None:
    with pytest.raises(ValueError, match="no channel P\\(convert\\)"):
        value_per_unit_draws(CHANNELS, "leads", CLTV, None, 5, seed=0)


def curve_set(n_draws: int) -> CurveSet:
    curves = [ChannelCurve("events", True, 1.0, 60.0, 9_000.0, 2.5, 0.5),
              ChannelCurve("search", True, 5.0, 100.0, 5_000.0, 1.2, 0.2)]
    factors = np.random.default_rng(0).lognormal(0.0, 0.05, n_draws)
    draws = [[ChannelCurve(**{**c.__dict__, "max_response": c.max_response * f})
              for c in curves] for f in factors]
    return CurveSet("leads", curves, draws)


def test_value_draws_widen_the_bands() -> None:
    curves = curve_set(200)
    vpu = np.array([400.0, 25.0])
    spend = np.array([10_000.0, 6_000.0])
    result = AllocationResult(spend=spend, value=0.0, upper_bound=0.0)
    bounds = Bounds(lower=np.zeros(2), upper=np.full(2, 1e5), lower_reason=["zero"] * 2,
                    upper_reason=["history_cap"] * 2)
    draws = value_per_unit_draws(CHANNELS, "leads", CLTV, CONVERSION, 200, seed=3)
    narrow = plan_table(curves, CHANNELS, vpu, spend, result, bounds)
    wide = plan_table(curves, CHANNELS, vpu, spend, result, bounds, draws)
    narrow_width = narrow["expected_value_p90"] - narrow["expected_value_p10"]
    wide_width = wide["expected_value_p90"] - wide["expected_value_p10"]
    assert (wide_width > narrow_width).all()
    assert wide_width[0] > 2 * narrow_width[0]  # events: CLTV and P(convert) both uncertain
    pd.testing.assert_series_equal(wide["expected_value"], narrow["expected_value"])
    with pytest.raises(ValueError, match="one per bootstrap set"):
        plan_table(curves, CHANNELS, vpu, spend, result, bounds, draws[:10])


def test_value_draws_can_make_a_plan_less_certain() -> None:
    curves = curve_set(200)
    vpu = np.array([400.0, 25.0])
    current, plan = np.array([6_000.0, 10_000.0]), np.array([7_000.0, 9_000.0])
    assert probability_plan_beats(curves, CHANNELS, vpu, plan, current) == 1.0
    # If events might be worth much less per lead, moving money into it can lose.
    doubtful = np.column_stack([np.linspace(0.0, 800.0, 200), np.full(200, 25.0)])
    share = probability_plan_beats(curves, CHANNELS, vpu, plan, current, doubtful)
    assert 0.0 < share < 1.0
