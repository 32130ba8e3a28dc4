"""Metric functions on hand-made arrays, with the expected numbers worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from models.conversion.calibration import (
    CalibrationMethod,
    Calibrator,
    apply_calibrator,
    centred_isotonic_knots,
    fit_calibrator,
)
from models.conversion.evaluation import (
    binary_metrics,
    brier_skill,
    capture_at,
    expected_calibration_error,
    gain_curve,
    lift_at,
    reliability_curve,
)

Y = np.array([1, 0, 1, 0, 0, 0, 0, 0, 0, 1])
P = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05])


def test_lift_and_capture_by_hand() -> None:
    # top 10% = 1 row (0.9, a positive); top 20% = 2 rows (1 positive); 3 positives, rate 0.3
    assert capture_at(Y, P, 0.1) == pytest.approx(1 / 3)
    assert lift_at(Y, P, 0.1) == pytest.approx(1.0 / 0.3)
    assert capture_at(Y, P, 0.2) == pytest.approx(1 / 3)
    assert lift_at(Y, P, 0.2) == pytest.approx(0.5 / 0.3)
    assert capture_at(Y, P, 1.0) == 1.0 and lift_at(Y, P, 1.0) == pytest.approx(1.0)


def test_expected_calibration_error_by_hand() -> None:
    # two bins: [0, .5) holds 0.4..0.05 (mean 0.21, rate 0.2); [.5, 1] holds 0.9..0.5
    # (mean 0.7, rate 0.4): (5 * 0.01 + 5 * 0.3) / 10
    assert expected_calibration_error(Y, P, bins=2) == pytest.approx(0.155)
    curve = reliability_curve(Y, P, bins=2)
    assert curve["count"].tolist() == [5, 5]
    assert curve["mean_predicted"].tolist() == pytest.approx([0.21, 0.7])
    assert curve["observed_rate"].tolist() == pytest.approx([0.2, 0.4])


def test_perfectly_calibrated_bins_have_zero_ece() -> None:
    y = np.array([1, 0, 0, 0, 1, 1, 1, 0])
    p = np.array([0.25, 0.25, 0.25, 0.25, 0.75, 0.75, 0.75, 0.75])
    assert expected_calibration_error(y, p) == pytest.approx(0.0)


def test_gain_curve_by_hand() -> None:
    gain = gain_curve(Y, P, points=10)
    assert gain["fraction_contacted"].tolist() == pytest.approx(np.linspace(0, 1, 11))
    assert gain["fraction_captured"].tolist() == pytest.approx(
        [0, 1 / 3, 1 / 3, 2 / 3, 2 / 3, 2 / 3, 2 / 3, 2 / 3, 2 / 3, 2 / 3, 1])


def test_brier_skill_is_zero_for_the_base_rate_and_one_when_perfect() -> None:
    assert brier_skill(Y, np.full(10, 0.3)) == pytest.approx(0.0)
    assert brier_skill(Y, Y.astype(float)) == pytest.approx(1.0)
    expected = 1 - np.mean((P - Y) ** 2) / (0.3 * 0.7)
    assert brier_skill(Y, P) == pytest.approx(expected)


def test_binary_metrics_has_every_key_and_checks_input() -> None:
    metrics = binary_metrics(Y, P)
    assert set(metrics) >= {"roc_auc", "pr_auc", "brier", "brier_skill", "log_loss", "ece",
                            "lift_top_10", "capture_top_10", "lift_top_20", "capture_top_20"}
    assert metrics["base_rate"] == pytest.approx(0.3)
    with pytest.raises(ValueError, match="only 0 and 1"):
        binary_metrics(np.array([0, 2]), np.array([0.1, 0.2]))
    with pytest.raises(ValueError, match="probabilities"):
        binary_metrics(np.array([0, 1]), np.array([0.1, 1.2]))


def test_centred_isotonic_knots_by_hand() -> None:
    # PAV fits 0, .5, .5, 1: blocks {1}, {2, 3}, {4} sit at their mean scores
    x, y = centred_isotonic_knots(np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.0, 1.0, 0.0, 1.0]))
    assert x.tolist() == [1.0, 2.5, 4.0]
    assert y.tolist() == [0.0, 0.5, 1.0]
    calibrator = Calibrator(CalibrationMethod.ISOTONIC, tuple(x), tuple(y))
    out = apply_calibrator(calibrator, np.array([2.0, 0.0, 9.0]))
    assert out.tolist() == pytest.approx([1 / 3, 1e-4, 1 - 1e-4])  # interpolated, clipped


def test_platt_recovers_a_known_slope_and_intercept() -> None:
    rng = np.random.default_rng(0)
    scores = rng.normal(0, 1.5, 200_000)
    y = (rng.random(scores.size) < 1 / (1 + np.exp(-(2.0 * scores - 1.0)))).astype(float)
    calibrator = fit_calibrator(scores, y, CalibrationMethod.SIGMOID)
    assert calibrator.slope == pytest.approx(2.0, abs=0.05)
    assert calibrator.intercept == pytest.approx(-1.0, abs=0.05)
    assert Calibrator.from_dict(calibrator.to_dict()) == calibrator
