"""Between-team evidence: how well a held-out team's level is predicted from its KPI levels.

A team's level is its mean outcome after removing the month means; its KPI levels are its
KPI means. A ridge regression on the other teams predicts each team in turn, and a KPI's
value is how much that team's squared error rises when its level is replaced by the other
teams' levels (a permutation, averaged over every other team; optionally KPIs whose levels
move together are swapped together and share the rise). A KPI's direction is whether teams
with a higher level of it have a higher outcome level.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.kpi.predictive import group_means


@dataclass(frozen=True)
class TeamLevels:
    """Per team: KPI means (teams, kpis), month-adjusted mean outcome and row count."""

    kpis: np.ndarray
    outcome: np.ndarray
    rows: np.ndarray


def team_levels(
    features: np.ndarray, outcome: np.ndarray, teams: np.ndarray, months: np.ndarray
) -> TeamLevels:
    """Average KPIs and the month-adjusted outcome per team code (0..n-1)."""
    n_teams, n_months = int(teams.max()) + 1, int(months.max()) + 1
    adjusted = outcome - group_means(outcome[:, None], months, n_months)[months, 0]
    return TeamLevels(kpis=group_means(features, teams, n_teams),
                      outcome=group_means(adjusted[:, None], teams, n_teams)[:, 0],
                      rows=np.bincount(teams, minlength=n_teams).astype(np.float64))


def ridge_fit(
    features: np.ndarray, target: np.ndarray, alpha: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Ridge on standardised columns (NaN -> column mean): centre, scale, coefficients, mean."""
    centre = np.nan_to_num(np.nanmean(features, axis=0), nan=0.0) if len(features) else \
        np.zeros(features.shape[1])
    filled = np.where(np.isnan(features), centre, features)
    scale = filled.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    z = (filled - centre) / scale
    mean = float(target.mean())
    gram = z.T @ z + alpha * np.eye(z.shape[1])
    return centre, scale, np.linalg.solve(gram, z.T @ (target - mean)), mean


def correlated_groups(kpis: np.ndarray, threshold: float) -> np.ndarray:
    """(kpis, kpis) 1 where two KPIs' team levels correlate at least ``threshold`` in size.

    Pearson correlation across teams (a missing level counts as the KPI's mean); the
    diagonal is 1 and a constant KPI is alone. A threshold above 1 gives the identity.
    """
    filled = np.where(np.isnan(kpis), np.nan_to_num(np.nanmean(kpis, axis=0)), kpis) \
        if len(kpis) else kpis
    spread = filled.std(axis=0)
    z = (filled - filled.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
    correlation = z.T @ z / max(len(kpis), 1)
    groups = (np.abs(correlation) >= threshold).astype(np.float64)
    np.fill_diagonal(groups, 1.0)
    return groups


def shared_swap_gain(delta: np.ndarray, error: float, groups: np.ndarray) -> np.ndarray:
    """(kpis,) each KPI's share of the squared-error rise when its group is swapped.

    With ``delta`` (donors, kpis) the prediction change of swapping each KPI alone, the
    rise of swapping a group G is (error - sum_G delta)^2 - error^2; its Shapley split
    gives KPI k ``delta_k * (sum_G delta - 2 error)``, averaged over donors. The shares of
    a group add up to its rise; a KPI alone gets the rise of swapping it alone.
    """
    return (delta * (delta @ groups - 2.0 * error)).mean(axis=0)


@dataclass(frozen=True)
class LevelEvidence:
    """Held-out between-team evidence, per team.

    Attributes
    ----------
    loss : numpy.ndarray
        (teams,) squared error of each team's level, predicted without the team.
    gain : numpy.ndarray
        (teams, kpis) rise of that error when the KPI's level is permuted.
    """

    loss: np.ndarray
    gain: np.ndarray


def level_evidence(
    levels: TeamLevels, alpha: float, group_correlation: float | None = None
) -> LevelEvidence:
    """Leave one team out: ridge on the others, then permute each KPI level for that team.

    The ridge splits the coefficient of a signal among the KPIs that carry it, and the
    rise from swapping one of them alone counts only its own part: the cross term the
    KPIs share is credited to none. With ``group_correlation`` set, a KPI is swapped
    together with the KPIs whose levels correlate with its own at least that much, and
    the rise is shared (:func:`shared_swap_gain`): it gives `retention_90d` back its
    evidence where `revenue` shares its level. It would also give a vanity KPI that
    correlates with both its share, which is why :func:`between_evidence` leaves the volume
    KPIs out (docs/kpis.md, section 3).

    Parameters
    ----------
    levels : TeamLevels
        Per-team KPI means and outcome level (:func:`team_levels`).
    alpha : float
        Ridge penalty on standardised KPIs; it spreads credit over KPIs that measure the
        same thing instead of handing it to one of them.
    group_correlation : float, optional
        Size of the team-level correlation above which KPIs are swapped together (from
        every team's KPI levels, no outcome); None (or above 1): each KPI alone.

    Returns
    -------
    LevelEvidence
        Per-team losses and gains.
    """
    n_teams, n_kpis = levels.kpis.shape
    loss, gain = np.zeros(n_teams), np.zeros((n_teams, n_kpis))
    kpis = levels.kpis
    groups = None if group_correlation is None else correlated_groups(kpis, group_correlation)
    for team in range(n_teams):  # 6-40 teams: a few small solves
        others = np.arange(n_teams) != team
        centre, scale, beta, mean = ridge_fit(kpis[others], levels.outcome[others], alpha)
        z_others = (np.where(np.isnan(kpis[others]), centre, kpis[others]) - centre) / scale
        z = (np.where(np.isnan(kpis[team]), centre, kpis[team]) - centre) / scale
        predicted = mean + float(z @ beta)
        loss[team] = (levels.outcome[team] - predicted) ** 2
        if groups is None:  # one KPI swapped at a time, as before issue 13 (same floats)
            swapped = predicted + (z_others - z) * beta  # (others, kpis)
            gain[team] = ((levels.outcome[team] - swapped) ** 2).mean(axis=0) - loss[team]
        else:
            gain[team] = shared_swap_gain((z_others - z) * beta,
                                          levels.outcome[team] - predicted, groups)
    return LevelEvidence(loss=loss, gain=gain)


def between_evidence(levels: TeamLevels, within_only: np.ndarray, alpha: float,
                     group_correlation: float | None = None) -> LevelEvidence:
    """:func:`level_evidence` of the KPIs not flagged ``within_only`` (kpis,); those gain 0.

    The flagged KPIs are left out of the ridge, so they neither earn between-team credit
    nor take a share of another KPI's.
    """
    kept = ~np.asarray(within_only, dtype=bool)
    evidence = level_evidence(TeamLevels(kpis=levels.kpis[:, kept], outcome=levels.outcome,
                                         rows=levels.rows), alpha, group_correlation)
    gain = np.zeros(levels.kpis.shape)
    gain[:, kept] = evidence.gain
    return LevelEvidence(loss=evidence.loss, gain=gain)


def level_directions(levels: TeamLevels) -> np.ndarray:
    """+1 where teams with a higher KPI level have a higher outcome level, else -1.

    The sign of the Spearman correlation, across teams, between each KPI's team mean and
    the team's month-adjusted mean outcome: one KPI at a time, as a scorecard compares
    teams on each KPI, so KPIs that move together cannot flip each other's sign as they
    can a joint coefficient's. A KPI known for fewer than 3 teams, or constant across
    them, is +1.

    Parameters
    ----------
    levels : TeamLevels
        Per-team KPI means and outcome level (:func:`team_levels`).

    Returns
    -------
    numpy.ndarray
        (kpis,) +1.0 or -1.0.
    """
    from scipy.stats import spearmanr

    signs = np.ones(levels.kpis.shape[1])
    for column in range(levels.kpis.shape[1]):
        known = ~np.isnan(levels.kpis[:, column]) & ~np.isnan(levels.outcome)
        values, outcome = levels.kpis[known, column], levels.outcome[known]
        if known.sum() > 2 and np.ptp(values) > 0 and np.ptp(outcome) > 0:
            signs[column] = -1.0 if spearmanr(values, outcome).statistic < 0 else 1.0
    return signs
