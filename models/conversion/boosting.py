"""LightGBM training for binary targets: size-aware defaults, model selection, out-of-fold scores.

Pure functions on float matrices; the categorical columns are given by position.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np
from scipy.special import expit
from sklearn.model_selection import StratifiedKFold, train_test_split

from models.boosting import lightgbm_params, train_booster

LEAF_CANDIDATES = (2, 8, 32)
FALLBACK_LEAVES = 8
FALLBACK_ROUNDS = 100
MIN_HOLDOUT_CLASS_ROWS = 10


@dataclass(frozen=True)
class BoostingSettings:
    """User-facing boosting options; see `models.conversion.model.LeadConversionModel`."""

    learning_rate: float
    max_rounds: int
    num_leaves: int | str
    min_child_samples: int | None
    reg_lambda: float
    early_stopping_rounds: int
    validation_fraction: float
    n_jobs: int | None


def auto_min_child_samples(n_rows: int) -> int:
    """Minimum rows per leaf that grows with the data: ``n / 500`` within 20..200."""
    return int(np.clip(n_rows // 500, 20, 200))


def leaf_candidates(num_leaves: int | str) -> tuple[int, ...]:
    """Tree sizes to compare: the given one, or `LEAF_CANDIDATES` for ``"auto"``."""
    if num_leaves == "auto":
        return LEAF_CANDIDATES
    if isinstance(num_leaves, int | np.integer) and int(num_leaves) >= 2:
        return (int(num_leaves),)
    raise ValueError(f"num_leaves must be 'auto' or an integer >= 2, got {num_leaves!r}")


def thread_count(n_jobs: int | None) -> int:
    """LightGBM threads: 1 for None, every core (0) for -1, else `n_jobs`.

    One thread is the default because LightGBM's OpenMP threads spin while they wait: on
    a machine whose cores are shared, two threads were measured 1.5-3x slower than one.
    """
    if n_jobs is None:
        return 1
    if int(n_jobs) == -1:
        return 0
    if int(n_jobs) < 1:
        raise ValueError(f"n_jobs must be None, -1 or >= 1, got {n_jobs!r}")
    return int(n_jobs)


def booster_params(
    num_leaves: int, min_child_samples: int, settings: BoostingSettings, seed: int
) -> dict[str, Any]:
    """LightGBM params for a deterministic binary log-loss booster."""
    return lightgbm_params(
        "binary", learning_rate=settings.learning_rate, num_leaves=num_leaves,
        min_child_samples=min_child_samples, seed=seed, n_jobs=thread_count(settings.n_jobs),
        layout="col", min_data_per_group=min_child_samples, lambda_l2=settings.reg_lambda,
        feature_pre_filter=False)


def holdout_split(
    target: np.ndarray, fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """Stratified random split of row positions into (fit, holdout).

    Returns None when the holdout would have fewer than `MIN_HOLDOUT_CLASS_ROWS` rows
    of either class.
    """
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"validation_fraction must be in (0, 1), got {fraction}")
    if np.bincount(target, minlength=2).min() * fraction < MIN_HOLDOUT_CLASS_ROWS:
        return None
    rows = np.arange(target.size)
    fit_rows, holdout_rows = train_test_split(
        rows, test_size=fraction, stratify=target, random_state=seed)
    return np.sort(fit_rows), np.sort(holdout_rows)


@dataclass(frozen=True)
class Selection:
    """The outcome of the internal model selection.

    Attributes
    ----------
    params : dict
        LightGBM params of the chosen tree size.
    rounds : int
        Its best number of rounds.
    booster : lightgbm.Booster or None
        The chosen booster, trained on the fit rows only; None without a holdout.
    holdout_rows : np.ndarray
        Positions of the holdout rows (empty without a holdout).
    holdout_scores : np.ndarray
        The chosen booster's raw log-odds on them.
    """

    params: dict[str, Any]
    rounds: int
    booster: lgb.Booster | None
    holdout_rows: np.ndarray
    holdout_scores: np.ndarray


def select_booster(
    matrix: np.ndarray,
    target: np.ndarray,
    categorical: list[int],
    settings: BoostingSettings,
    seed: int,
) -> Selection:
    """Choose tree size and rounds by early stopping on an internal stratified holdout.

    Tree sizes are tried from small to large, stopping once a larger tree does worse;
    the simplest within one standard error of the lowest holdout log loss wins.

    Parameters
    ----------
    matrix : np.ndarray
        Encoded features, shape ``(n, d)``.
    target : np.ndarray
        0/1 labels, shape ``(n,)``.
    categorical : list of int
        Positions of the categorical columns.
    settings : BoostingSettings
        User options.
    seed : int
        Seeds the holdout and LightGBM.

    Returns
    -------
    Selection
        On data too small for a holdout: a fixed size, `FALLBACK_ROUNDS` and no booster.
    """
    min_child = settings.min_child_samples or auto_min_child_samples(target.size)
    candidates = leaf_candidates(settings.num_leaves)
    split = holdout_split(target, settings.validation_fraction, seed)
    if split is None:
        leaves = FALLBACK_LEAVES if settings.num_leaves == "auto" else candidates[0]
        params = booster_params(leaves, min_child, settings, seed)
        empty = np.empty(0)
        return Selection(params, min(FALLBACK_ROUNDS, settings.max_rounds), None,
                         empty.astype(np.int64), empty)
    fit_rows, holdout_rows = split
    fit_set = lgb.Dataset(matrix[fit_rows], target[fit_rows], categorical_feature=categorical,
                          params=binary_dataset_params(thread_count(settings.n_jobs)),
                          free_raw_data=False)
    holdout_set = lgb.Dataset(matrix[holdout_rows], target[holdout_rows], reference=fit_set)
    fits: list[tuple[np.ndarray, Selection]] = []
    for leaves in candidates:
        params = booster_params(leaves, min_child, settings, seed)
        booster = lgb.train(
            params, fit_set, settings.max_rounds, valid_sets=[holdout_set],
            callbacks=[lgb.early_stopping(settings.early_stopping_rounds, verbose=False)])
        rounds = max(1, booster.best_iteration)
        scores = np.asarray(booster.predict(
            matrix[holdout_rows], num_iteration=rounds, raw_score=True))
        losses = row_log_loss(target[holdout_rows], expit(scores))
        if fits and losses.mean() > fits[-1][0].mean():
            break  # a larger tree did worse: larger still will not help
        fits.append((losses, Selection(params, rounds, booster, holdout_rows, scores)))
    return fits[simplest_within_one_se([losses for losses, _ in fits])][1]


def row_log_loss(target: np.ndarray, probability: np.ndarray) -> np.ndarray:
    """Log loss of each row."""
    p = np.clip(probability, 1e-12, 1.0 - 1e-12)
    return np.asarray(-(target * np.log(p) + (1 - target) * np.log1p(-p)))


def simplest_within_one_se(losses: list[np.ndarray]) -> int:
    """Index of the simplest candidate within one standard error of the best.

    The error is that of the paired per-row difference to the best candidate, so the
    rule prefers smaller trees on little data unless bigger ones are clearly better,
    and picks the best on much data.

    Parameters
    ----------
    losses : list of np.ndarray
        Per-row holdout losses of each candidate, simplest first, same rows.

    Returns
    -------
    int
        Position of the chosen candidate.
    """
    best = int(np.argmin([loss.mean() for loss in losses]))
    for index, loss in enumerate(losses[:best]):
        gap = loss - losses[best]
        if gap.mean() <= gap.std(ddof=1) / np.sqrt(gap.size):
            return index
    return best


def out_of_fold_scores(
    matrix: np.ndarray,
    target: np.ndarray,
    categorical: list[int],
    params: dict[str, Any],
    rounds: int,
    cv: int,
    seed: int,
) -> np.ndarray | None:
    """Raw log-odds of each row from a booster trained on the other folds.

    Parameters
    ----------
    matrix, target, categorical
        As for :func:`fit_booster_config`.
    params : dict
        LightGBM params.
    rounds : int
        Rounds per fold booster.
    cv : int
        Folds (>= 2); fewer when a class has fewer rows.
    seed : int
        Seeds the stratified shuffle.

    Returns
    -------
    np.ndarray or None
        Shape ``(n,)``; None when a class has fewer than 2 rows.
    """
    if int(cv) < 2:
        raise ValueError(f"cv must be an integer >= 2, got {cv!r}")
    n_splits = min(int(cv), int(np.bincount(target, minlength=2).min()))
    if n_splits < 2:
        return None
    scores = np.empty(target.size, dtype=np.float64)
    folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    for fit_rows, held_rows in folds.split(matrix, target):
        booster = train_booster(matrix[fit_rows], target[fit_rows], params, rounds, categorical,
                                binary_dataset_params(int(params["num_threads"])))
        scores[held_rows] = booster.predict(matrix[held_rows], raw_score=True)
    return scores


def binary_dataset_params(threads: int) -> dict[str, Any]:
    """Return the Dataset parameters of the binary boosters: no feature pre-filter."""
    return {"feature_pre_filter": False, "verbosity": -1, "num_threads": threads}
