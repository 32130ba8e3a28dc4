"""Out-of-sample predictive value of each KPI, within teams, on teams the model never saw.

KPIs and outcome are taken relative to the team's own local level (a team's level is not
evidence here) and to the month (nor is the calendar); a KPI's value is how much the
held-out squared error of the next quarter's outcome rises when the KPI is shuffled within
each held-out team.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.kpi.booster import BoosterSettings


def group_means(values: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """NaN-aware mean of each column per group: (n_groups, columns), NaN for empty groups."""
    known = ~np.isnan(values)
    sums = np.zeros((n_groups, values.shape[1]))
    counts = np.zeros((n_groups, values.shape[1]))
    np.add.at(sums, codes, np.where(known, values, 0.0))
    np.add.at(counts, codes, known.astype(np.float64))
    return np.divide(sums, counts, out=np.full(sums.shape, np.nan), where=counts > 0)


def within_deviations(
    values: np.ndarray, teams: np.ndarray, months: np.ndarray, fit_rows: np.ndarray,
    half_window: int,
) -> np.ndarray:
    """Remove each team's own local level, then the month means of the ``fit_rows``.

    Parameters
    ----------
    values : numpy.ndarray
        (rows, columns) KPI values or a (rows, 1) outcome; NaN stays NaN.
    teams, months : numpy.ndarray
        (rows,) integer codes of the team and the month (in calendar order) of each row.
    fit_rows : numpy.ndarray
        (rows,) boolean: the rows whose month means are removed from every row, so that
        held-out rows never shape the calendar effect.
    half_window : int
        A team's level at month m is the mean of its months m - half_window .. m +
        half_window (fewer at the edges); slow drifts, such as a random walk, stay in the
        level, so two unrelated drifting series do not look related.

    Returns
    -------
    numpy.ndarray
        Within-team, within-month deviations; months without fit rows keep their values.
    """
    order = np.lexsort((months, teams))
    frame = pd.DataFrame(values[order]).assign(team=teams[order])
    level = frame.groupby("team", sort=False).rolling(
        2 * half_window + 1, center=True, min_periods=1).mean().to_numpy()
    within = np.empty(values.shape)
    within[order] = values[order] - level
    month_means = group_means(within[fit_rows], months[fit_rows], int(months.max()) + 1)
    return np.asarray(within - np.nan_to_num(month_means, nan=0.0)[months])


def permute_within(
    values: np.ndarray, groups: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Shuffle ``values`` within each group: keeps each group's values, breaks their order."""
    shuffled = np.asarray(values, dtype=np.float64).copy()
    for group in np.unique(groups):  # the held-out teams of one fold
        rows = np.flatnonzero(groups == group)
        shuffled[rows] = values[rng.permutation(rows)]
    return shuffled


@dataclass(frozen=True)
class FoldResult:
    """One held-out fold: its target, prediction, SHAP, squared error and loss gains."""

    target: np.ndarray
    prediction: np.ndarray
    shap: np.ndarray
    loss: np.ndarray
    gain: np.ndarray


def held_out_fold(
    features: np.ndarray, outcome: np.ndarray, teams: np.ndarray, months: np.ndarray,
    test: np.ndarray, settings: BoosterSettings, n_permutations: int, random_state: int,
    half_window: int = 6,
) -> FoldResult:
    """Fit on the other teams' within deviations; score and explain the held-out ones.

    ``gain[:, k]`` is the mean rise of each held-out row's squared error over
    ``n_permutations`` shuffles of KPI ``k`` within each held-out team.
    """
    from models.boosting import train_booster  # LightGBM: only the fit pays for the import

    train = ~test
    x = within_deviations(features, teams, months, train, half_window)
    y = within_deviations(outcome[:, None], teams, months, train, half_window)[:, 0]
    booster = train_booster(x[train], y[train], settings.lightgbm_params(random_state),
                            settings.n_estimators)
    x_test, y_test, team_test = x[test], y[test], teams[test]
    contributions = np.asarray(booster.predict(x_test, pred_contrib=True,
                                               num_threads=settings.n_jobs))
    prediction = contributions.sum(axis=1)
    loss = (y_test - prediction) ** 2
    rng = np.random.default_rng(random_state)
    gain = np.zeros(x_test.shape)
    for column in range(x_test.shape[1]):
        for _ in range(n_permutations):
            shuffled = x_test.copy()
            shuffled[:, column] = permute_within(x_test[:, column], team_test, rng)
            permuted = np.asarray(booster.predict(shuffled, num_threads=settings.n_jobs))
            gain[:, column] += (y_test - permuted) ** 2 - loss
    return FoldResult(target=y_test, prediction=prediction, shap=contributions[:, :-1],
                      loss=loss, gain=gain / max(n_permutations, 1))


@dataclass(frozen=True)
class HeldOutImportance:
    """Held-out evidence per row, averaged over random team-to-fold assignments.

    Attributes
    ----------
    target : numpy.ndarray
        (rows,) outcome deviation from the team's local level and the month (averaged
        over assignments: the month means come from the training teams of each fold).
    prediction, loss : numpy.ndarray
        (rows,) held-out prediction of ``target`` and its squared error.
    shap : numpy.ndarray
        (rows, kpis) held-out SHAP values of the prediction.
    gain : numpy.ndarray
        (rows, kpis) rise of the squared error when the KPI is shuffled within its team.
    """

    target: np.ndarray
    prediction: np.ndarray
    loss: np.ndarray
    shap: np.ndarray
    gain: np.ndarray

    def within_r2(self) -> float:
        """Held-out R² of the within-team deviations (0: no better than each team's level)."""
        spread = float(np.sum(self.target**2))
        return 1.0 - float(np.sum(self.loss)) / spread if spread > 0 else 0.0


def held_out_importance(
    features: np.ndarray, outcome: np.ndarray, teams: np.ndarray, months: np.ndarray,
    settings: BoosterSettings, n_splits: int, n_cv_repeats: int, n_permutations: int,
    random_state: int, half_window: int = 6,
) -> HeldOutImportance:
    """Run :func:`held_out_fold` over ``n_cv_repeats`` random deals of the teams into folds.

    Parameters
    ----------
    features : numpy.ndarray
        (rows, kpis) KPI values; NaN allowed.
    outcome : numpy.ndarray
        (rows,) next-quarter outcome.
    teams, months : numpy.ndarray
        (rows,) integer codes (0..n-1) of each row's team and month.
    settings : BoosterSettings
        The outcome model.
    n_splits, n_cv_repeats, n_permutations : int
        Folds of teams, fold assignments averaged, shuffles per KPI and fold.
    random_state : int
        Seed of the assignments, the models and the shuffles.
    half_window : int
        Months either side in a team's local level (:func:`within_deviations`).

    Returns
    -------
    HeldOutImportance
        Per-row evidence, each row scored only by models that never saw its team.
    """
    rng = np.random.default_rng(random_state)
    n_teams, rows, shape = int(teams.max()) + 1, len(outcome), features.shape
    sums = {"target": np.zeros(rows), "prediction": np.zeros(rows), "loss": np.zeros(rows),
            "shap": np.zeros(shape), "gain": np.zeros(shape)}
    for repeat in range(n_cv_repeats):
        fold_of_team = np.empty(n_teams, dtype=np.int64)
        fold_of_team[rng.permutation(n_teams)] = np.arange(n_teams) % n_splits
        for fold in range(n_splits):
            test = fold_of_team[teams] == fold
            seed = random_state + 100 * repeat + fold
            result = held_out_fold(features, outcome, teams, months, test, settings,
                                   n_permutations, seed, half_window)
            for name, total in sums.items():
                total[test] += getattr(result, name)
    n = max(n_cv_repeats, 1)
    return HeldOutImportance(**{name: total / n for name, total in sums.items()})


def team_totals(values: np.ndarray, teams: np.ndarray) -> np.ndarray:
    """Sum the rows of ``values`` (rows,) or (rows, k) per team code: (teams,) or (teams, k)."""
    n_teams = int(teams.max()) + 1
    if values.ndim == 1:
        return np.bincount(teams, weights=values, minlength=n_teams)
    out = np.zeros((n_teams, values.shape[1]))
    np.add.at(out, teams, values)
    return out
