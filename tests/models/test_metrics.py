"""Value metrics on tiny arrays whose results are worked out by hand in each test."""

from __future__ import annotations

import math

import numpy as np
import pytest

from models.metrics import (
    aggregate_error,
    decile_mape,
    gain_gini,
    interval_coverage,
    mean_absolute_error,
    normalised_gini,
    spearman,
    value_metrics,
)

ACTUAL = np.array([1.0, 3.0, 2.0, 6.0])
PREDICTED = np.array([1.0, 2.0, 3.0, 4.0])


def test_spearman_by_hand() -> None:
    # ranks 1,3,2,4 vs 1,2,3,4: sum d^2 = 2, rho = 1 - 6 * 2 / (4 * 15) = 0.8
    assert spearman(ACTUAL, PREDICTED) == pytest.approx(0.8)
    assert math.isnan(spearman(ACTUAL, np.ones(4)))


def test_gain_gini_by_hand() -> None:
    actual = np.array([0.0, 0.0, 10.0, 30.0])
    # best first: captured 0.75, 1, 1, 1; area (0.375 + 0.875 + 1 + 1) / 4 = 0.8125
    assert gain_gini(actual, [1, 2, 3, 4]) == pytest.approx(2 * 0.8125 - 1)
    # worst first: captured 0, 0, 0.25, 1; area (0 + 0 + 0.125 + 0.625) / 4 = 0.1875
    assert gain_gini(actual, [4, 3, 2, 1]) == pytest.approx(2 * 0.1875 - 1)


def test_normalised_gini_is_one_for_a_perfect_ranking_and_minus_one_reversed() -> None:
    actual = np.array([0.0, 0.0, 10.0, 30.0])
    assert normalised_gini(actual, [1, 2, 3, 4]) == pytest.approx(1.0)
    assert normalised_gini(actual, [4, 3, 2, 1]) == pytest.approx(-1.0)
    # order 10, 0, 30, 0: captured 0.25, 0.25, 1, 1; area 0.5, so Gini 0
    assert normalised_gini(actual, [3, 1, 4, 2]) == pytest.approx(0.0)


def test_gini_of_tied_predictions_does_not_depend_on_row_order() -> None:
    actual = np.array([0.0, 0.0, 10.0, 30.0])
    assert normalised_gini(actual, np.ones(4)) == pytest.approx(0.0)
    assert normalised_gini(actual[::-1], np.ones(4)) == pytest.approx(0.0)


def test_decile_mape_by_hand() -> None:
    # two bins by prediction: (pred 3, actual 4) -> 0.25 and (pred 7, actual 8) -> 0.125
    assert decile_mape(ACTUAL, PREDICTED, n_bins=2) == pytest.approx(0.1875)
    # a bin whose realised value is 0 has no percentage error and is left out
    assert decile_mape([0.0, 0.0, 2.0, 6.0], PREDICTED, n_bins=2) == pytest.approx(0.125)


def test_aggregate_error_mae_and_coverage_by_hand() -> None:
    assert aggregate_error(ACTUAL, PREDICTED) == pytest.approx(10 / 12 - 1)
    assert mean_absolute_error(ACTUAL, PREDICTED) == pytest.approx((0 + 1 + 1 + 2) / 4)
    # 1 in [0, 1] yes, 3 in [3, 4] yes, 2 in [3, 4] no, 6 in [0, 5] no
    assert interval_coverage(ACTUAL, [0, 3, 3, 0], [1, 4, 4, 5]) == pytest.approx(0.5)


def test_value_metrics_adds_coverage_only_with_an_interval() -> None:
    assert "interval_coverage" not in value_metrics(ACTUAL, PREDICTED)
    both = value_metrics(ACTUAL, PREDICTED, ACTUAL, ACTUAL)
    assert both["interval_coverage"] == 1.0
    assert set(both) == {"spearman", "normalised_gini", "decile_mape", "aggregate_error", "mae",
                         "interval_coverage"}


def test_metrics_reject_mismatched_or_non_finite_inputs() -> None:
    with pytest.raises(ValueError, match="equal length"):
        spearman([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="finite"):
        mean_absolute_error([1.0, np.nan], [1.0, 2.0])
