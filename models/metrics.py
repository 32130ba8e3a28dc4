"""Ranking and regression metrics for value predictions: Spearman, normalised Gini, decile MAPE.

Every function takes realised values first, predictions second, as 1-D arrays of equal length.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import spearmanr


def _pair(actual: ArrayLike, predicted: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    y, p = np.asarray(actual, dtype=np.float64), np.asarray(predicted, dtype=np.float64)
    if y.shape != p.shape or y.ndim != 1:
        raise ValueError("actual and predicted must be 1-D arrays of equal length")
    if not (np.isfinite(y).all() and np.isfinite(p).all()):
        raise ValueError("actual and predicted must be finite")
    return y, p


def spearman(actual: ArrayLike, predicted: ArrayLike) -> float:
    """Spearman rank correlation (ties get average ranks); NaN when either side is constant."""
    y, p = _pair(actual, predicted)
    if len(y) < 2 or np.ptp(y) == 0 or np.ptp(p) == 0:
        return float("nan")
    return float(spearmanr(y, p).statistic)


def gain_gini(actual: ArrayLike, score: ArrayLike) -> float:
    """Gini of the gain curve: customers sorted by ``score``, descending, against value captured.

    Parameters
    ----------
    actual : array-like
        Realised values, non-negative with a positive sum.
    score : array-like
        The ranking score. Tied scores share their value evenly, so the result is the
        expected Gini under a random order within ties, not an artefact of row order.

    Returns
    -------
    float
        ``2 * area under the gain curve - 1``: 0 for a random ranking.
    """
    y, s = _pair(actual, score)
    total = y.sum()
    if total <= 0:
        return float("nan")
    order = np.argsort(-s, kind="stable")
    y_sorted, s_sorted = y[order], s[order]
    starts = np.flatnonzero(np.concatenate(([True], s_sorted[1:] != s_sorted[:-1])))
    sizes = np.diff(np.append(starts, len(s_sorted)))
    tied = np.repeat(np.add.reduceat(y_sorted, starts) / sizes, sizes)
    gain = np.concatenate(([0.0], np.cumsum(tied) / total))
    area = float(np.sum((gain[1:] + gain[:-1]) / 2.0) / len(y))
    return 2.0 * area - 1.0


def normalised_gini(actual: ArrayLike, predicted: ArrayLike) -> float:
    """Gain-curve Gini of the predictions divided by that of a perfect ranking.

    1 is a perfect ranking, 0 a random one, negative worse than random; NaN when every
    realised value is equal.
    """
    y, p = _pair(actual, predicted)
    perfect = gain_gini(y, y)
    if not np.isfinite(perfect) or perfect <= 0:
        return float("nan")
    return gain_gini(y, p) / perfect


def decile_mape(actual: ArrayLike, predicted: ArrayLike, n_bins: int = 10) -> float:
    """Mean over prediction deciles of ``|sum(pred) - sum(actual)| / sum(actual)``.

    Parameters
    ----------
    actual, predicted : array-like
        Realised and predicted values.
    n_bins : int
        Bins of (nearly) equal size, by rank of the prediction; rows with equal
        predictions keep their input order, so the bins are deterministic.

    Returns
    -------
    float
        The mean absolute percentage error over bins; bins whose realised sum is 0 have
        no percentage error and are left out. NaN when every bin is left out.
    """
    y, p = _pair(actual, predicted)
    order = np.argsort(p, kind="stable")
    errors = []
    for rows in np.array_split(order, n_bins):
        realised = y[rows].sum()
        if len(rows) and realised > 0:
            errors.append(abs(p[rows].sum() - realised) / realised)
    return float(np.mean(errors)) if errors else float("nan")


def aggregate_error(actual: ArrayLike, predicted: ArrayLike) -> float:
    """``sum(predicted) / sum(actual) - 1``: the bias of the total; NaN when the total is 0."""
    y, p = _pair(actual, predicted)
    total = y.sum()
    return float(p.sum() / total - 1.0) if total > 0 else float("nan")


def mean_absolute_error(actual: ArrayLike, predicted: ArrayLike) -> float:
    """Mean of ``|predicted - actual|``."""
    y, p = _pair(actual, predicted)
    return float(np.mean(np.abs(p - y))) if len(y) else float("nan")


def interval_coverage(actual: ArrayLike, lower: ArrayLike, upper: ArrayLike) -> float:
    """Share of realised values inside the closed interval ``[lower, upper]``."""
    y, lo = _pair(actual, lower)
    _, hi = _pair(actual, upper)
    return float(np.mean((y >= lo) & (y <= hi))) if len(y) else float("nan")


def value_metrics(
    actual: ArrayLike,
    predicted: ArrayLike,
    lower: ArrayLike | None = None,
    upper: ArrayLike | None = None,
) -> dict[str, float]:
    """All value metrics at once, keyed by name; coverage only when an interval is given.

    Returns
    -------
    dict of str to float
        ``spearman``, ``normalised_gini``, ``decile_mape``, ``aggregate_error``, ``mae``
        and, with ``lower`` and ``upper``, ``interval_coverage``.
    """
    metrics = {
        "spearman": spearman(actual, predicted),
        "normalised_gini": normalised_gini(actual, predicted),
        "decile_mape": decile_mape(actual, predicted),
        "aggregate_error": aggregate_error(actual, predicted),
        "mae": mean_absolute_error(actual, predicted),
    }
    if lower is not None and upper is not None:
        metrics["interval_coverage"] = interval_coverage(actual, lower, upper)
    return metrics


def r_squared(actual: ArrayLike, fitted: ArrayLike) -> np.ndarray:
    """Coefficient of determination per column (axis 0); NaN where ``actual`` has no spread."""
    observed, predicted = np.asarray(actual, dtype=float), np.asarray(fitted, dtype=float)
    ss_res = ((observed - predicted) ** 2).sum(axis=0)
    ss_tot = ((observed - observed.mean(axis=0)) ** 2).sum(axis=0)
    return np.asarray(np.where(ss_tot > 0, 1.0 - ss_res / np.maximum(ss_tot, 1e-12), np.nan))
