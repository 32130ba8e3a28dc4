"""Metrics of probabilistic binary classifiers: ranking, calibration, lift, and their curves."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score

CALIBRATION_BINS = 15
TOP_FRACTIONS = (0.1, 0.2)
GAIN_POINTS = 100


def _checked(y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    if y.shape != p.shape or y.ndim != 1 or y.size == 0:
        raise ValueError(f"y and p must be non-empty 1-d arrays of one length, got "
                         f"{y.shape} and {p.shape}")
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("y must hold only 0 and 1")
    if not ((p >= 0.0) & (p <= 1.0)).all():
        raise ValueError("p must hold probabilities in [0, 1]")
    return y, p


def reliability_curve(y: np.ndarray, p: np.ndarray, bins: int = CALIBRATION_BINS) -> pd.DataFrame:
    """Mean predicted probability against the observed rate, in equal-width bins of p.

    Parameters
    ----------
    y : np.ndarray
        Outcomes 0/1.
    p : np.ndarray
        Predicted probabilities.
    bins : int
        Equal-width bins over [0, 1]; p == 1 falls in the last one.

    Returns
    -------
    pd.DataFrame
        One row per non-empty bin: ``bin_low``, ``bin_high``, ``mean_predicted``,
        ``observed_rate``, ``count``.
    """
    y, p = _checked(y, p)
    index = np.minimum((p * bins).astype(np.int64), bins - 1)
    count = np.bincount(index, minlength=bins)
    filled = count > 0
    edges = np.linspace(0.0, 1.0, bins + 1)
    return pd.DataFrame({
        "bin_low": edges[:-1][filled],
        "bin_high": edges[1:][filled],
        "mean_predicted": np.bincount(index, weights=p, minlength=bins)[filled] / count[filled],
        "observed_rate": np.bincount(index, weights=y, minlength=bins)[filled] / count[filled],
        "count": count[filled],
    })


def expected_calibration_error(
    y: np.ndarray, p: np.ndarray, bins: int = CALIBRATION_BINS
) -> float:
    """Return the row-weighted mean |mean predicted - observed rate| over equal-width bins."""
    curve = reliability_curve(y, p, bins)
    gaps = (curve["mean_predicted"] - curve["observed_rate"]).abs()
    return float((gaps * curve["count"]).sum() / curve["count"].sum())


def _top_rows(p: np.ndarray, fraction: float) -> np.ndarray:
    """Positions of the ``ceil(fraction * n)`` highest p; ties keep the earlier row first."""
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    order = np.argsort(-p, kind="stable")
    return order[: math.ceil(fraction * p.size - 1e-9)]


def capture_at(y: np.ndarray, p: np.ndarray, fraction: float) -> float:
    """Share of all positives found in the top `fraction` of rows ranked by p."""
    y, p = _checked(y, p)
    positives = y.sum()
    return float(y[_top_rows(p, fraction)].sum() / positives) if positives else float("nan")


def lift_at(y: np.ndarray, p: np.ndarray, fraction: float) -> float:
    """Positive rate in the top `fraction` of rows ranked by p, over the overall rate."""
    y, p = _checked(y, p)
    base = y.mean()
    return float(y[_top_rows(p, fraction)].mean() / base) if base else float("nan")


def gain_curve(y: np.ndarray, p: np.ndarray, points: int = GAIN_POINTS) -> pd.DataFrame:
    """Cumulative share of positives captured against the share of rows contacted.

    Returns
    -------
    pd.DataFrame
        ``points + 1`` rows: ``fraction_contacted`` from 0 to 1 and ``fraction_captured``.
    """
    y, p = _checked(y, p)
    captured = np.r_[0.0, np.cumsum(y[np.argsort(-p, kind="stable")])]
    contacted = np.linspace(0.0, 1.0, points + 1)
    rows = np.ceil(contacted * y.size - 1e-9).astype(np.int64)
    share = captured[rows] / captured[-1] if captured[-1] else np.full(rows.size, np.nan)
    return pd.DataFrame({"fraction_contacted": contacted, "fraction_captured": share})


def brier_skill(y: np.ndarray, p: np.ndarray) -> float:
    """1 - Brier / Brier of always predicting the base rate (0 = no skill, 1 = perfect)."""
    y, p = _checked(y, p)
    reference = y.mean() * (1.0 - y.mean())
    return float(1.0 - brier_score_loss(y, p) / reference) if reference else float("nan")


def binary_metrics(y: np.ndarray, p: np.ndarray, bins: int = CALIBRATION_BINS) -> dict[str, float]:
    """Every metric of one set of predictions.

    Parameters
    ----------
    y : np.ndarray
        Outcomes 0/1; both must occur.
    p : np.ndarray
        Predicted probabilities of 1.
    bins : int
        Bins of the expected calibration error.

    Returns
    -------
    dict of str to float
        ``rows``, ``base_rate``, ``mean_predicted``, ``roc_auc``, ``pr_auc`` (average
        precision), ``brier``, ``brier_skill``, ``log_loss``, ``ece``, and ``lift_top_10``,
        ``capture_top_10``, ``lift_top_20``, ``capture_top_20``.
    """
    y, p = _checked(y, p)
    metrics = {
        "rows": float(y.size),
        "base_rate": float(y.mean()),
        "mean_predicted": float(p.mean()),
        "roc_auc": float(roc_auc_score(y, p)),
        "pr_auc": float(average_precision_score(y, p)),
        "brier": float(brier_score_loss(y, p)),
        "brier_skill": brier_skill(y, p),
        "log_loss": float(log_loss(y, p, labels=[0, 1])),
        "ece": expected_calibration_error(y, p, bins),
    }
    for fraction in TOP_FRACTIONS:
        percent = round(fraction * 100)
        metrics[f"lift_top_{percent}"] = lift_at(y, p, fraction)
        metrics[f"capture_top_{percent}"] = capture_at(y, p, fraction)
    return metrics
