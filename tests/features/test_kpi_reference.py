from __future__ import annotations

import numpy as np
import pytest

from features.kpi_reference import (
    funnel_expectation,
    lagged_sum,
    pool_lateness,
    rate_expectation,
    relative_to_rest,
    stratify_total,
    weighted_median,
)


def test_lagged_sum_works_along_weeks_of_a_cube() -> None:
    cube = np.arange(8, dtype=float).reshape(1, 4, 2)  # weeks x ages: [0,1],[2,3],[4,5],[6,7]
    out = lagged_sum(cube, width=2, lag=1)
    assert np.isnan(out[0, :2]).all()
    assert out[0, 2].tolist() == [2.0, 4.0]  # weeks 0 and 1
    assert out[0, 3].tolist() == [6.0, 8.0]  # weeks 1 and 2


def test_rate_expectation_by_hand() -> None:
    hits = np.array([[2.0, 4.0, 3.0, 9.0]])
    exposure = np.array([[100.0, 100.0, 200.0, 300.0]])
    observed, expected = rate_expectation(hits, exposure, reference_weeks=2, guard_weeks=1,
                                          min_events=1, parts=np.array([], dtype=int))
    assert observed is hits
    assert np.isnan(expected[0, :2]).all()
    assert expected[0, 2] == pytest.approx(200.0 * 6.0 / 200.0)   # weeks 0-1: rate 0.03
    assert expected[0, 3] == pytest.approx(300.0 * 7.0 / 300.0)   # weeks 1-2: rate 7/300


def test_rate_expectation_needs_enough_reference_events() -> None:
    hits = np.array([[1.0, 1.0, 1.0]])
    _, expected = rate_expectation(hits, np.full((1, 3), 10.0), 1, 0, min_events=2,
                                   parts=np.array([], dtype=int))
    assert np.isnan(expected).all()


def test_total_is_the_sum_of_its_channels() -> None:
    expected = np.array([[9.0, 9.0], [1.0, 2.0], [3.0, 4.0]])
    out = stratify_total(expected, np.array([1, 2]))
    assert out[0].tolist() == [4.0, 6.0]
    assert out[1:].tolist() == expected[1:].tolist()


def test_relative_to_rest_by_hand() -> None:
    # rows: total, channels a, b, c, d; two weeks
    observed = np.array([[0.0, 0.0], [10.0, 12.0], [30.0, 18.0], [8.0, 8.0], [5.0, 5.0]])
    expected = np.array([[60.0, 60.0], [10.0, 10.0], [20.0, 20.0], [10.0, 10.0],
                         [10.0, 10.0]])
    parts = np.array([1, 2, 3, 4])
    _, one = relative_to_rest((observed, expected), [parts], rest_weeks=1)
    # a's rest in week 1: ratios 1.5 (weight 20), 0.8 (10), 0.5 (10): the median is 0.8
    assert one[1, 0] == pytest.approx(10.0 * 0.8)
    # b's rest in week 2: 1.2 (10), 0.8 (10), 0.5 (10): the median is 0.8
    assert one[2, 1] == pytest.approx(20.0 * 0.8)
    # d's rest in week 1: 1.0 (10), 1.5 (20), 0.8 (10): half the weight is reached at 1.0
    assert one[4, 0] == pytest.approx(10.0 * 1.0)
    assert one[0].tolist() == [60.0, 60.0]  # the total keeps its absolute test
    _, two = relative_to_rest((observed, expected), [parts], rest_weeks=2)
    assert two[1:, 0].tolist() == expected[1:, 0].tolist()  # no full window yet
    # c over both weeks: a 22/20, b 48/40, d 10/20 -> weights 20, 40, 20: median 1.1
    assert two[3, 1] == pytest.approx(10.0 * 1.1)
    assert relative_to_rest((observed, expected), [parts], rest_weeks=0)[1].tolist() == \
        expected.tolist()


def test_relative_to_rest_compares_within_each_segment_type() -> None:
    # rows: total, three channels (all doubled this week), three teams (as expected)
    expected = np.vstack([np.full((1, 1), 60.0), np.full((6, 1), 10.0)])
    observed = np.vstack([np.zeros((1, 1)), np.full((3, 1), 20.0), np.full((3, 1), 10.0)])
    _, out = relative_to_rest((observed, expected), [np.arange(1, 4), np.arange(4, 7)], 1)
    assert out[1:4, 0].tolist() == [20.0] * 3  # the channels' common doubling is removed
    assert out[4:, 0].tolist() == [10.0] * 3   # ... without moving the teams' expectations


def test_weighted_median_without_weight_is_one() -> None:
    values = np.array([[3.0, 2.0], [5.0, 4.0]])
    assert weighted_median(values, np.array([[0.0, 1.0], [0.0, 3.0]])).tolist() == [1.0, 4.0]


def test_relative_to_rest_removes_a_common_movement_only() -> None:
    rng = np.random.default_rng(5)
    weeks = 400
    common = np.exp(0.3 * np.sin(np.arange(weeks) / 15.0))  # every channel's rate moves
    base = np.array([20.0, 40.0, 60.0, 30.0])
    own = np.ones((4, weeks))
    own[0, 300:] = 0.5  # ... and channel 0 halves from week 300
    observed = np.vstack([np.zeros(weeks), rng.poisson(base[:, None] * common * own)])
    expected = np.vstack([np.full(weeks, base.sum()), np.repeat(base[:, None], weeks, 1)])
    _, relative = relative_to_rest((observed, expected), [np.array([1, 2, 3, 4])],
                                   rest_weeks=8)
    z_plain = (observed[1:] - expected[1:]) / np.sqrt(expected[1:])
    z_relative = (observed[1:] - relative[1:]) / np.sqrt(relative[1:])
    before = slice(8, 300)
    # every channel's spread falls towards Poisson's 1 (Poisson: about 0.1 of noise here)
    assert (z_relative[:, before].std(axis=1) < 0.8 * z_plain[:, before].std(axis=1)).all()
    assert z_relative[:, before].std(axis=1).max() < 1.3
    assert z_relative[0, 300:].mean() < -1.8  # the channel's own drop stays in its test (-2.2)
    assert abs(z_relative[1:, 300:].mean()) < 0.5  # and does not leak into the others


def pipeline(weeks: int, hazard: np.ndarray, scale_from: int | None = None,
             factor: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Expected-value pipeline: 100 lead-days at risk per age and week, events = risk x hazard."""
    at_risk = np.full((1, weeks, len(hazard)), 100.0)
    events = at_risk * hazard
    if scale_from is not None:
        events[:, scale_from:] *= factor
    return at_risk, events


def test_funnel_expectation_matches_a_steady_pipeline() -> None:
    hazard = np.array([0.02, 0.05, 0.03, 0.01])
    at_risk, events = pipeline(6, hazard)
    (observed, expected), (late, late_expected) = funnel_expectation(
        at_risk, events, reference_weeks=2, guard_weeks=1, min_events=1,
        parts=np.array([], dtype=int))
    assert np.isnan(expected[0, :2]).all()
    np.testing.assert_allclose(expected[0, 2:], observed[0, 2:])
    np.testing.assert_allclose(late_expected[0, 2:], late[0, 2:])


def test_a_uniform_drop_moves_conversions_but_not_lateness() -> None:
    hazard = np.array([0.02, 0.05, 0.03, 0.01])
    at_risk, events = pipeline(6, hazard, scale_from=4, factor=0.5)
    (observed, expected), (late, late_expected) = funnel_expectation(
        at_risk, events, 2, 1, 1, np.array([], dtype=int))
    # week 4's reference (weeks 2-3) predates the drop
    assert observed[0, 4] == pytest.approx(0.5 * expected[0, 4])
    assert late[0, 4] == pytest.approx(late_expected[0, 4])  # no cycle signal


def test_a_later_pipeline_raises_lateness() -> None:
    hazard = np.array([0.02, 0.05, 0.03, 0.01])
    at_risk, events = pipeline(6, hazard)
    events[:, 4:] = at_risk[:, 4:] * np.array([0.0, 0.02, 0.05, 0.04])  # conversions later
    _, (late, late_expected) = funnel_expectation(at_risk, events, 2, 1, 1,
                                                  np.array([], dtype=int))
    assert (late[0, 4:] > late_expected[0, 4:]).all()


def test_pool_lateness_adds_the_known_stages_by_hand() -> None:
    cycle = (np.array([[1.0, 2.0, 3.0]]), np.array([[np.nan, 2.0, 2.5]]))
    stage = (np.array([[5.0, 6.0, 7.0]]), np.array([[5.0, np.nan, 6.0]]))
    observed, expected = pool_lateness(cycle, (stage, None))
    assert observed.tolist() == [[6.0, 2.0, 10.0]]  # week 1's stage has no expectation
    assert np.isnan(expected[0, 0])  # the cycle's own gap stays
    assert expected[0, 1:].tolist() == [2.0, 8.5]
    assert cycle[0].tolist() == [[1.0, 2.0, 3.0]]  # inputs unchanged
