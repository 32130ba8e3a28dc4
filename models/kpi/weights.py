"""KPI weights from evidence: out-of-fold SHAP of an outcome model, minus a permutation null.

A KPI earns weight only when its importance beats the importance it gets once the outcome
is shuffled within months, robustly across a bootstrap over teams.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from models.kpi.evidence import WeightEvidence, tilted, weigh_evidence, weight_table

HIGHER, LOWER = "higher_is_better", "lower_is_better"


@dataclass(frozen=True)
class BoosterSettings:
    """A small, regularised LightGBM regressor: shallow trees, shrinkage, L2 and bagging."""

    n_estimators: int = 150
    learning_rate: float = 0.05
    num_leaves: int = 4
    max_depth: int = 2
    min_child_samples: int = 15
    reg_lambda: float = 5.0
    subsample: float = 0.8
    colsample_bytree: float = 0.3
    n_jobs: int = 1

    def lightgbm_params(self, random_state: int) -> dict[str, Any]:
        """Return the ``lightgbm.train`` parameters, deterministic for ``random_state``."""
        return {
            "objective": "regression", "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves, "max_depth": self.max_depth,
            "min_data_in_leaf": self.min_child_samples, "lambda_l2": self.reg_lambda,
            "bagging_fraction": self.subsample, "bagging_freq": 1,
            "feature_fraction": self.colsample_bytree, "num_threads": self.n_jobs,
            "seed": random_state, "deterministic": True, "force_row_wise": True,
            "verbose": -1,
        }

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as a plain mapping (for MLflow and metrics)."""
        return asdict(self)


def grouped_folds(groups: np.ndarray, n_splits: int) -> np.ndarray:
    """Fold of each row from scikit-learn's ``GroupKFold``: deterministic, never splits a group."""
    from sklearn.model_selection import GroupKFold  # heavy import; only the fit pays for it

    folds = np.zeros(len(groups), dtype=np.int64)
    splits = GroupKFold(n_splits=n_splits).split(np.zeros((len(groups), 1)), groups=groups)
    for fold, (_, test) in enumerate(splits):
        folds[test] = fold
    return folds


def shuffled_group_folds(groups: np.ndarray, n_splits: int, rng: np.random.Generator) -> np.ndarray:
    """Fold of each row: the groups in random order, dealt round-robin into ``n_splits`` folds."""
    names, codes = np.unique(groups, return_inverse=True)
    fold_of_group = np.empty(len(names), dtype=np.int64)
    fold_of_group[rng.permutation(len(names))] = np.arange(len(names)) % n_splits
    return fold_of_group[codes]


def out_of_fold_shap(
    features: np.ndarray, outcome: np.ndarray, folds: np.ndarray,
    settings: BoosterSettings, random_state: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Predict every row, and explain it, with a model that never saw the row's fold.

    Parameters
    ----------
    features : numpy.ndarray
        (rows, kpis) KPI values; NaN allowed.
    outcome : numpy.ndarray
        (rows,) the outcome.
    folds : numpy.ndarray
        (rows,) the fold of each row (:func:`grouped_folds` or :func:`shuffled_group_folds`,
        so that folds never split a team).
    settings : BoosterSettings
        The model.
    random_state : int
        LightGBM seed.

    Returns
    -------
    tuple of numpy.ndarray
        Out-of-fold predictions (rows,) and SHAP values (rows, kpis) from LightGBM's
        ``pred_contrib=True``; the predictions equal the SHAP sums plus the base values.
    """
    import lightgbm as lgb  # heavy import; only the fit pays for it

    prediction = np.zeros(len(outcome))
    shap = np.zeros(features.shape)
    params = settings.lightgbm_params(random_state)
    for fold in np.unique(folds):
        train, test = np.flatnonzero(folds != fold), np.flatnonzero(folds == fold)
        booster = lgb.train(params, lgb.Dataset(features[train], outcome[train]),
                            num_boost_round=settings.n_estimators)
        contributions = np.asarray(booster.predict(features[test], pred_contrib=True,
                                                   num_threads=settings.n_jobs))
        shap[test] = contributions[:, :-1]
        prediction[test] = contributions.sum(axis=1)
    return prediction, shap


def permute_within(values: np.ndarray, strata: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Shuffle ``values`` within each stratum (month): keeps each month's outcomes, breaks links."""
    shuffled = np.asarray(values, dtype=np.float64).copy()
    for stratum in np.unique(strata):  # a few dozen months
        rows = np.flatnonzero(strata == stratum)
        shuffled[rows] = values[rng.permutation(rows)]
    return shuffled


def null_abs_shap(
    features: np.ndarray, outcome: np.ndarray, folds: np.ndarray, strata: np.ndarray,
    settings: BoosterSettings, n_repeats: int, random_state: int,
) -> np.ndarray:
    """Mean |SHAP| per row and KPI over refits on outcomes permuted within ``strata``.

    The refits use the same ``folds`` as the real model, so real and null differ only in
    the outcome.

    Returns
    -------
    numpy.ndarray
        (rows, kpis) |SHAP| of the out-of-fold null models, averaged over repetitions.
    """
    rng = np.random.default_rng(random_state)
    total = np.zeros(features.shape)
    for repeat in range(n_repeats):
        permuted = permute_within(outcome, strata, rng)
        _, shap = out_of_fold_shap(features, permuted, folds, settings, random_state + 1 + repeat)
        total += np.abs(shap)
    return total / max(n_repeats, 1)


@dataclass(frozen=True)
class RepeatedImportance:
    """Out-of-fold SHAP and its permutation null, averaged over several fold assignments.

    Attributes
    ----------
    prediction : numpy.ndarray
        (rows,) out-of-fold prediction, averaged over the repeats.
    shap : numpy.ndarray
        (rows, kpis) out-of-fold SHAP values, averaged over the repeats.
    real_abs : numpy.ndarray
        (rows, kpis) |SHAP| averaged over the repeats (the mean of the absolute values).
    null_abs : numpy.ndarray
        (rows, kpis) null |SHAP| averaged over the repeats and their permutations.
    r2 : float
        Mean over the repeats of each repeat's out-of-fold R² (the skill of one model;
        the R² of the averaged prediction would flatter it).
    """

    prediction: np.ndarray
    shap: np.ndarray
    real_abs: np.ndarray
    null_abs: np.ndarray
    r2: float


def repeated_importance(
    features: np.ndarray, outcome: np.ndarray, groups: np.ndarray, strata: np.ndarray,
    settings: BoosterSettings, n_splits: int, n_cv_repeats: int, n_null_repeats: int,
    random_state: int,
) -> RepeatedImportance:
    """Out-of-fold SHAP and its null on ``n_cv_repeats`` random team-to-fold assignments.

    With ten teams, which teams share a fold moves a single assignment's importances a lot;
    averaging over assignments (each with its own null on the same folds) reduces that
    variance without changing what is estimated.

    Returns
    -------
    RepeatedImportance
        Predictions, SHAP, real and null |SHAP| averaged over the repeats, and the R².
    """
    rng = np.random.default_rng(random_state)
    shape = features.shape
    prediction, shap = np.zeros(len(outcome)), np.zeros(shape)
    real_abs, null_abs, r2 = np.zeros(shape), np.zeros(shape), 0.0
    for repeat in range(n_cv_repeats):
        folds = shuffled_group_folds(groups, n_splits, rng)
        seed = random_state + 100 * repeat
        predicted, explained = out_of_fold_shap(features, outcome, folds, settings, seed)
        null_abs += null_abs_shap(features, outcome, folds, strata, settings, n_null_repeats, seed)
        prediction += predicted
        shap += explained
        real_abs += np.abs(explained)
        r2 += r_squared(outcome, predicted)
    n = max(n_cv_repeats, 1)
    return RepeatedImportance(prediction=prediction / n, shap=shap / n, real_abs=real_abs / n,
                              null_abs=null_abs / n, r2=r2 / n)


def normalised_excess(real_abs: np.ndarray, null_abs: np.ndarray) -> np.ndarray:
    """Mean |SHAP| minus null mean |SHAP| per KPI, clipped at 0 and summing to 1 (0s if none)."""
    excess = np.clip(real_abs.mean(axis=0) - null_abs.mean(axis=0), 0.0, None)
    total = excess.sum()
    return excess / total if total > 0 else excess


def team_bootstrap(
    features: np.ndarray, outcome: np.ndarray, groups: np.ndarray, strata: np.ndarray,
    settings: BoosterSettings, n_splits: int, n_draws: int, n_null_repeats: int,
    random_state: int,
) -> np.ndarray:
    """Refit the whole procedure on teams drawn with replacement.

    Each draw keeps the rows of the teams drawn (a team drawn twice counts twice and its
    copies share a fold), refits the out-of-fold model and its null, and recomputes
    :func:`normalised_excess`. Draws with fewer than two distinct teams are NaN.

    Returns
    -------
    numpy.ndarray
        (n_draws, kpis) weights of each draw.
    """
    rng = np.random.default_rng(random_state)
    names = np.unique(groups)
    rows_of = {name: np.flatnonzero(groups == name) for name in names}
    draws = np.full((n_draws, features.shape[1]), np.nan)
    for draw in range(n_draws):
        picked = rng.choice(names, size=len(names), replace=True)
        folds = min(n_splits, len(np.unique(picked)))
        if folds < 2:
            continue
        rows = np.concatenate([rows_of[name] for name in picked])
        seed = random_state + 1000 * (draw + 1)
        args = (features[rows], outcome[rows], grouped_folds(groups[rows], folds))
        _, shap = out_of_fold_shap(*args, settings, seed)
        null = null_abs_shap(*args, strata[rows], settings, n_null_repeats, seed)
        draws[draw] = normalised_excess(np.abs(shap), null)
    return draws


def shap_directions(features: np.ndarray, shap: np.ndarray) -> np.ndarray:
    """+1 where a KPI's SHAP value rises with the KPI (Spearman >= 0), else -1."""
    from scipy.stats import spearmanr
    signs = np.ones(features.shape[1])
    for column in range(features.shape[1]):
        known = ~np.isnan(features[:, column])
        if known.sum() > 2 and np.ptp(features[known, column]) > 0:
            rho = spearmanr(features[known, column], shap[known, column]).statistic
            signs[column] = -1.0 if rho < 0 else 1.0
    return signs


def r_squared(observed: np.ndarray, predicted: np.ndarray) -> float:
    """Coefficient of determination of ``predicted`` against ``observed``."""
    spread = float(np.sum((observed - observed.mean()) ** 2))
    return 1.0 - float(np.sum((observed - predicted) ** 2)) / spread if spread > 0 else 0.0


class KpiWeightModel:
    """Suggested KPI weights: out-of-fold SHAP importance above a permutation null.

    Parameters
    ----------
    booster : BoosterSettings, optional
        The outcome model; the defaults when None.
    n_splits : int
        Folds grouped by team (capped at the number of teams).
    n_cv_repeats : int
        Random team-to-fold assignments whose importances (and nulls) are averaged.
    n_null_repeats : int
        Refits on outcomes permuted within months, per fold assignment, averaged into the
        null importance.
    n_bootstrap : int
        Team bootstrap draws for the intervals; each refits the model and its null.
    n_bootstrap_null_repeats : int
        Null repetitions inside each bootstrap draw (fewer than for the point estimate,
        which makes the intervals a little wider, i.e. conservative).
    interval : float
        Interval coverage.
    random_state : int
        Seed of the models, the permutations and the bootstrap.
    """

    def __init__(
        self, *, booster: BoosterSettings | None = None, n_splits: int = 5,
        n_cv_repeats: int = 10, n_null_repeats: int = 10, n_bootstrap: int = 100,
        n_bootstrap_null_repeats: int = 3, interval: float = 0.9, random_state: int = 0,
    ) -> None:
        self.booster = booster
        self.n_splits = n_splits
        self.n_cv_repeats = n_cv_repeats
        self.n_null_repeats = n_null_repeats
        self.n_bootstrap = n_bootstrap
        self.n_bootstrap_null_repeats = n_bootstrap_null_repeats
        self.interval = interval
        self.random_state = random_state

    def fit(
        self, kpis: pd.DataFrame, outcome: pd.Series | np.ndarray,
        groups: pd.Series | np.ndarray, strata: pd.Series | np.ndarray,
    ) -> KpiWeightModel:
        """Fit the outcome model out of fold, its null, and the team bootstrap.

        Parameters
        ----------
        kpis : pandas.DataFrame
            One numeric column per KPI, one row per (team, month); NaN allowed.
        outcome : array-like
            The forward-looking outcome of each row.
        groups : array-like
            The team of each row (folds and bootstrap units).
        strata : array-like
            The month of each row (the null permutes outcomes within it).

        Returns
        -------
        KpiWeightModel
            ``self``, with ``oof_r2_``, ``shap_values_``, ``raw_importance_``,
            ``null_importance_``, ``direction_``, ``evidence_`` and ``weights_`` set.
        """
        features = kpis.to_numpy(dtype=np.float64)
        target = np.asarray(outcome, dtype=np.float64)
        teams, months = np.asarray(groups).astype(str), np.asarray(strata)
        n_splits = min(self.n_splits, len(np.unique(teams)))
        if n_splits < 2 or len(target) != len(features):
            raise ValueError("need rows of at least two teams, with one outcome per row")
        settings = self.booster or BoosterSettings()
        args = (settings, n_splits)
        fitted = repeated_importance(features, target, teams, months, *args,
                                     max(self.n_cv_repeats, 1), self.n_null_repeats,
                                     self.random_state)
        shap, real, null = fitted.shap, fitted.real_abs, fitted.null_abs
        names = [str(column) for column in kpis.columns]
        self.feature_names_in_ = np.array(names, dtype=object)
        self.oof_prediction_ = fitted.prediction
        self.oof_r2_ = fitted.r2
        self.shap_values_ = pd.DataFrame(shap, columns=names, index=kpis.index)
        self.raw_importance_ = pd.Series(real.mean(axis=0), index=names)
        self.null_importance_ = pd.Series(null.mean(axis=0), index=names)
        signs = shap_directions(features, shap)
        self.direction_ = pd.Series(np.where(signs > 0, HIGHER, LOWER), index=names)
        draws = team_bootstrap(features, target, teams, months, *args, self.n_bootstrap,
                               self.n_bootstrap_null_repeats, self.random_state)
        self.evidence_: WeightEvidence = weigh_evidence(
            tuple(names), normalised_excess(real, null), draws, self.interval)
        self.weights_ = pd.Series(self.evidence_.weights, index=names, name="weight")
        return self

    def weight_table(self, multipliers: Mapping[str, float] | None = None) -> pd.DataFrame:
        """Return ``kpi, weight, weight_low, weight_high, direction, rationale``.

        ``multipliers`` tilt the weights (and every bootstrap draw) before renormalising,
        as strategy profiles do; None gives the data-driven weights.
        """
        evidence = tilted(self.evidence_, multipliers) if multipliers else self.evidence_
        return weight_table(evidence, self.direction_, self.raw_importance_,
                            self.null_importance_)
