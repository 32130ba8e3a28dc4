"""KPI weights from out-of-sample predictive value, within teams and between them.

A KPI earns weight by how much worse a held-out team's next-quarter outcome is predicted
once the KPI is shuffled: within the team (deviations from its local level, LightGBM) and
between teams (its level from its KPI levels, ridge). The evidence rule keeps only KPIs
whose gain stays above 0 across a bootstrap over teams; the direction is whether teams with
a higher level of the KPI do better (:func:`models.kpi.levels.level_directions`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.kpis import VOLUME_KPIS
from models.kpi.booster import BoosterSettings
from models.kpi.evidence import GainFacts, WeightEvidence, weigh_evidence, weight_table
from models.kpi.levels import between_evidence, level_directions, team_levels
from models.kpi.predictive import held_out_importance, team_totals

__all__ = ["GROUP_CORRELATION", "HIGHER", "LOWER", "BoosterSettings", "KpiWeightModel"]

HIGHER, LOWER = "higher_is_better", "lower_is_better"
GROUP_CORRELATION = 0.7  # the default: KPIs whose team levels correlate this much share the rise


def normalised(gains: np.ndarray) -> np.ndarray:
    """Clip gains at 0 and scale the last axis to sum to 1 (all 0 when nothing is positive)."""
    clipped = np.clip(gains, 0.0, None)
    total = clipped.sum(axis=-1, keepdims=True)
    return np.divide(clipped, total, out=np.zeros(clipped.shape), where=total > 0)


def bootstrap_counts(n_teams: int, n_draws: int, random_state: int) -> np.ndarray:
    """(n_draws, n_teams) how often each team is drawn, with replacement."""
    rng = np.random.default_rng(random_state)
    return rng.multinomial(n_teams, np.full(n_teams, 1.0 / n_teams), size=n_draws).astype(
        np.float64)


class KpiWeightModel:
    """Suggested KPI weights: held-out predictive value, within and between teams.

    Parameters
    ----------
    booster : BoosterSettings, optional
        The within-team outcome model; the defaults when None.
    n_splits : int
        Folds of teams for the within-team model (capped at the number of teams).
    n_cv_repeats : int
        Random team-to-fold assignments averaged.
    n_permutations : int
        Shuffles of each KPI per held-out fold.
    half_window : int
        Months either side in a team's local level (the within-team design).
    ridge_alpha : float
        Penalty of the between-team ridge on standardised KPI levels.
    group_correlation : float, optional
        Between teams, KPIs whose levels correlate at least this much (in size) are
        swapped together and share the rise in error (0.7 by default); None: each alone.
    within_only : tuple of str
        KPIs whose evidence comes from within teams only: a team can inflate them without
        creating value (:data:`features.kpis.VOLUME_KPIS`), and their level mostly says
        which team it is, so they are left out of the between-team model.
    min_reduction : float
        The evidence rule also asks the lower bound of a KPI's error reduction (the share
        by which the held-out squared error is lower with it) to exceed this.
    n_bootstrap : int
        Team bootstrap draws for the evidence rule and the intervals.
    interval : float
        Interval coverage.
    random_state : int
        Seed of the folds, models, shuffles and the bootstrap.
    """

    def __init__(
        self, *, booster: BoosterSettings | None = None, n_splits: int = 5,
        n_cv_repeats: int = 5, n_permutations: int = 2, half_window: int = 6,
        ridge_alpha: float = 10.0, group_correlation: float | None = GROUP_CORRELATION,
        within_only: tuple[str, ...] = VOLUME_KPIS, min_reduction: float = 0.04,
        n_bootstrap: int = 1000, interval: float = 0.9, random_state: int = 0,
    ) -> None:
        self.booster = booster
        self.n_splits = n_splits
        self.n_cv_repeats = n_cv_repeats
        self.n_permutations = n_permutations
        self.half_window = half_window
        self.ridge_alpha = ridge_alpha
        self.group_correlation = group_correlation
        self.within_only = within_only
        self.min_reduction = min_reduction
        self.n_bootstrap = n_bootstrap
        self.interval = interval
        self.random_state = random_state

    def fit(
        self, kpis: pd.DataFrame, outcome: pd.Series | np.ndarray,
        groups: pd.Series | np.ndarray, strata: pd.Series | np.ndarray,
        outcome_label: str = "next-quarter value", phase: str = "profit",
    ) -> KpiWeightModel:
        """Measure each KPI's held-out predictive value and turn it into weights.

        Parameters
        ----------
        kpis : pandas.DataFrame
            One numeric column per KPI, one row per (team, month); NaN allowed.
        outcome : array-like
            The forward-looking outcome of each row.
        groups : array-like
            The team of each row (folds and bootstrap units).
        strata : array-like
            The month of each row (sortable; sets the calendar and local levels).
        outcome_label, phase : str
            The outcome in plain words and its phase, for the rationales.

        Returns
        -------
        KpiWeightModel
            ``self``, with ``weights_``, ``evidence_``, ``facts_``, ``direction_``,
            ``shap_values_``, ``loss_gain_``, ``within_r2_``, ``between_r2_`` set.
        """
        features = kpis.to_numpy(dtype=np.float64)
        target = np.asarray(outcome, dtype=np.float64)
        teams = pd.factorize(np.asarray(groups).astype(str), sort=True)[0]
        months = pd.factorize(np.asarray(strata), sort=True)[0]
        n_teams = int(teams.max()) + 1 if len(teams) else 0
        if min(self.n_splits, n_teams) < 2 or len(target) != len(features):
            raise ValueError("need rows of at least two teams, with one outcome per row")
        names = [str(column) for column in kpis.columns]
        within = held_out_importance(
            features, target, teams, months, self.booster or BoosterSettings(),
            min(self.n_splits, n_teams), max(self.n_cv_repeats, 1), self.n_permutations,
            self.random_state, self.half_window)
        levels = team_levels(features, target, teams, months)
        between = between_evidence(levels, np.isin(names, self.within_only), self.ridge_alpha,
                                   self.group_correlation)
        gain = team_totals(within.gain, teams) + between.gain * levels.rows[:, None]
        loss = team_totals(within.loss, teams) + between.loss * levels.rows
        counts = bootstrap_counts(n_teams, self.n_bootstrap, self.random_state)
        self._set_evidence(names, gain, loss, counts, (n_teams, len(np.unique(months))),
                           (outcome_label, phase))
        # Not the within-team SHAP sign: a month above the team's local level often precedes
        # a quarter below it (the outcome's level spans the months the KPI counts; stocks
        # such as revenue lag a mean-reverting driver), whatever the KPI is worth to a team.
        signs = level_directions(levels)
        self.direction_ = pd.Series(np.where(signs > 0, HIGHER, LOWER), index=names)
        self.loss_gain_ = pd.Series(gain.sum(axis=0) / len(target), index=names)
        self.shap_values_ = pd.DataFrame(within.shap, columns=names, index=kpis.index)
        self.within_r2_ = within.within_r2()
        spread = float(np.sum(levels.rows * levels.outcome**2))
        self.between_r2_ = 1.0 - float(np.sum(levels.rows * between.loss)) / spread \
            if spread > 0 else 0.0
        return self

    def _set_evidence(
        self, names: list[str], gain: np.ndarray, loss: np.ndarray, counts: np.ndarray,
        sizes: tuple[int, int], labels: tuple[str, str],
    ) -> None:
        """Weights, evidence rule and the facts the rationales quote, from per-team gains."""
        draw_gain, draw_loss = counts @ gain, counts @ loss
        total_gain, total_loss = gain.sum(axis=0), float(loss.sum())
        reduction = draw_gain / (draw_loss[:, None] + draw_gain)
        tail = 100.0 * (1.0 - self.interval) / 2.0
        low, high = np.percentile(reduction, [tail, 100.0 - tail], axis=0)
        self.feature_names_in_ = np.array(names, dtype=object)
        self.evidence_: WeightEvidence = weigh_evidence(
            tuple(names), normalised(total_gain), normalised(draw_gain), self.interval,
            np.asarray(low) > self.min_reduction)
        self.weights_ = pd.Series(self.evidence_.weights, index=names, name="weight")
        self.facts_ = GainFacts(
            reduction=total_gain / (total_loss + total_gain), reduction_low=np.asarray(low),
            reduction_high=np.asarray(high), n_teams=sizes[0], n_months=sizes[1],
            outcome=labels[0], phase=labels[1], floor=self.min_reduction,
            within_only=tuple(self.within_only))

    def weight_table(self) -> pd.DataFrame:
        """Return ``kpi, weight, weight_low, weight_high, direction, rationale``."""
        return weight_table(self.evidence_, self.direction_, self.facts_)
