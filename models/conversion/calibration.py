"""Probability calibration maps from raw log-odds scores, stored as plain arrays (no pickles).

Isotonic calibration is *centred* (Oron & Flournoy, 2017): each block of the pool-adjacent-
violators fit is placed at its mean score and the map interpolates linearly between blocks, so
it is strictly increasing where the data allow and keeps the ranking of the scores.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
from scipy.special import expit
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

PROBABILITY_FLOOR = 1e-4


class CalibrationMethod(StrEnum):
    """How raw scores become probabilities."""

    ISOTONIC = "isotonic"
    SIGMOID = "sigmoid"
    NONE = "none"


@dataclass(frozen=True)
class Calibrator:
    """A fitted map from raw log-odds to probability.

    Attributes
    ----------
    method : CalibrationMethod
        ``isotonic``: piecewise-linear through ``knots_x`` -> ``knots_y``;
        ``sigmoid``: ``expit(slope * score + intercept)``; ``none``: ``expit(score)``.
    knots_x, knots_y : tuple of float
        Increasing scores and their probabilities (isotonic only).
    slope, intercept : float
        Platt parameters (sigmoid only).
    """

    method: CalibrationMethod
    knots_x: tuple[float, ...] = ()
    knots_y: tuple[float, ...] = ()
    slope: float = 1.0
    intercept: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """Return the calibrator as plain JSON types."""
        return {"method": str(self.method), "knots_x": list(self.knots_x),
                "knots_y": list(self.knots_y), "slope": self.slope, "intercept": self.intercept}

    @classmethod
    def from_dict(cls, payload: dict[str, Any]) -> Calibrator:
        """Rebuild a calibrator written by :meth:`to_dict`."""
        return cls(
            method=CalibrationMethod(payload["method"]),
            knots_x=tuple(float(x) for x in payload["knots_x"]),
            knots_y=tuple(float(y) for y in payload["knots_y"]),
            slope=float(payload["slope"]),
            intercept=float(payload["intercept"]),
        )


def fit_calibrator(scores: np.ndarray, y: np.ndarray, method: CalibrationMethod) -> Calibrator:
    """Fit a calibration map from raw scores to the observed 0/1 outcomes.

    Parameters
    ----------
    scores : np.ndarray
        Raw log-odds, shape ``(n,)``, from a model that did not see these rows.
    y : np.ndarray
        Outcomes 0/1, shape ``(n,)``.
    method : CalibrationMethod
        The map to fit.

    Returns
    -------
    Calibrator
        The fitted map; ``none`` when both outcomes are not present.
    """
    scores = np.asarray(scores, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if method is CalibrationMethod.NONE or np.unique(y).size < 2:
        return Calibrator(CalibrationMethod.NONE)
    if method is CalibrationMethod.SIGMOID:
        platt = LogisticRegression(C=1e6).fit(scores[:, None], y)
        return Calibrator(method, slope=float(platt.coef_[0, 0]),
                          intercept=float(platt.intercept_[0]))
    knots_x, knots_y = centred_isotonic_knots(scores, y)
    return Calibrator(method, knots_x=tuple(knots_x), knots_y=tuple(knots_y))


def centred_isotonic_knots(scores: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fit isotonic regression and return one knot per block: (mean score, block rate).

    Parameters
    ----------
    scores, y : np.ndarray
        Raw scores and 0/1 outcomes, shape ``(n,)``.

    Returns
    -------
    tuple of np.ndarray
        Strictly increasing knot scores and non-decreasing knot probabilities.
    """
    order = np.argsort(scores, kind="stable")
    x_sorted, y_sorted = scores[order], y[order]
    fitted = IsotonicRegression(out_of_bounds="clip").fit_transform(x_sorted, y_sorted)
    starts = np.flatnonzero(np.r_[True, np.diff(fitted) != 0])
    counts = np.diff(np.r_[starts, fitted.size])
    knots_x = np.add.reduceat(x_sorted, starts) / counts
    keep = np.r_[True, np.diff(knots_x) > 0]  # ties in score can repeat a centre
    return knots_x[keep], fitted[starts][keep]


def apply_calibrator(calibrator: Calibrator, scores: np.ndarray) -> np.ndarray:
    """Map raw log-odds to probabilities, kept within ``[1e-4, 1 - 1e-4]``.

    Parameters
    ----------
    calibrator : Calibrator
        A fitted map.
    scores : np.ndarray
        Raw log-odds, shape ``(n,)``.

    Returns
    -------
    np.ndarray
        Probabilities of the positive class, shape ``(n,)``.
    """
    scores = np.asarray(scores, dtype=np.float64)
    if calibrator.method is CalibrationMethod.ISOTONIC:
        probability = np.interp(scores, calibrator.knots_x, calibrator.knots_y)
    elif calibrator.method is CalibrationMethod.SIGMOID:
        probability = expit(calibrator.slope * scores + calibrator.intercept)
    else:
        probability = expit(scores)
    return np.clip(probability, PROBABILITY_FLOOR, 1.0 - PROBABILITY_FLOOR)
