"""Ground-truth checks: how close the conversion model gets to a simulated world's true P."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.metrics import roc_auc_score

from features.leads import build_lead_features
from models.conversion.rows import labelled_leads, split_by_time
from models.conversion.training import (
    ConversionResult,
    ConversionSettings,
    compare_to_truth,
    train_conversion,
)
from models.simulation.generator import simulate_lead_truth, simulate_world
from models.simulation.world import CHANNELS, REGION_WON_EFFECT, TeamEffects


@dataclass(frozen=True)
class ConversionRecovery:
    """A world's trained result, the AUCs of its truth, and channel errors against truth.

    Attributes
    ----------
    result : ConversionResult
        What stage train_conversion would write.
    ceiling_auc : float
        AUC of the true per-lead probabilities on the validation leads.
    static_team_auc : float
        The same with each team's month-by-month skill replaced by its mean over the
        months before the validation slice: the most a model can learn from team labels.
    lagged_team_auc : float
        The same with each team's skill as it was one month before the lead's month: a
        generous stand-in for what is knowable when the lead is created, since the
        skill of last month is itself only seen through a few dozen conversions.
    channels : dict
        `compare_to_truth` of the per-channel P(convert) against ``truth.json``.
    """

    result: ConversionResult
    ceiling_auc: float
    static_team_auc: float
    lagged_team_auc: float
    channels: dict[str, Any]

    def summary(self) -> dict[str, Any]:
        """Return the acceptance figures as plain numbers."""
        metrics = self.result.backtest.metrics
        return {
            "roc_auc_model": metrics["model"]["roc_auc"],
            "roc_auc_baseline": metrics["baseline"]["roc_auc"],
            "roc_auc_ceiling": self.ceiling_auc,
            "roc_auc_static_team_ceiling": self.static_team_auc,
            "roc_auc_lagged_team_ceiling": self.lagged_team_auc,
            "ece_model": metrics["model"]["ece"],
            "ece_baseline": metrics["baseline"]["ece"],
            "channel_relative_error": {name: row["relative_error"]
                                       for name, row in self.channels["channels"].items()},
            "max_abs_channel_relative_error": self.channels["max_abs_relative_error"],
        }


def with_team_skill(latent: pd.DataFrame, teams: TeamEffects, skill: np.ndarray) -> np.ndarray:
    """Recompute true P(convert) with each lead's team skill replaced by ``skill`` (per row).

    Parameters
    ----------
    latent : pd.DataFrame
        `simulate_lead_truth`'s lead rows (``p_convert``, ``channel_idx``, ``region_idx``,
        ``team_idx``, ``month_idx``).
    teams : TeamEffects
        The world's teams.
    skill : np.ndarray
        One skill (logit shift on SQL -> won) per row of `latent`.

    Returns
    -------
    np.ndarray
        One probability per lead.
    """
    won_logit = (np.array([c.won_logit for c in CHANNELS])[latent["channel_idx"]]
                 + REGION_WON_EFFECT[latent["region_idx"]])
    team, month = latent["team_idx"].to_numpy(), latent["month_idx"].to_numpy()
    p_won = expit(won_logit + teams.skill_by_month[team, month])
    return np.asarray(latent["p_convert"].to_numpy() / p_won * expit(won_logit + skill))


def static_team_probability(latent: pd.DataFrame, teams: TeamEffects, months: int) -> np.ndarray:
    """Compute true P(convert) with team skill fixed at its mean over the first `months` months."""
    mean_skill = teams.skill_by_month[:, :months].mean(axis=1)
    return with_team_skill(latent, teams, mean_skill[latent["team_idx"].to_numpy()])


def lagged_team_probability(latent: pd.DataFrame, teams: TeamEffects, lag: int) -> np.ndarray:
    """Compute true P(convert) with each team's skill as it was `lag` months earlier.

    Leads of the first `lag` months keep their current skill.
    """
    team, month = latent["team_idx"].to_numpy(), latent["month_idx"].to_numpy()
    return with_team_skill(latent, teams, teams.skill_by_month[team, np.maximum(month - lag, 0)])


def recover_conversion(
    seed: int, scale: str = "default", settings: ConversionSettings | None = None
) -> ConversionRecovery:
    """Simulate a world, train on it as the stage would, and judge against its truth.

    Parameters
    ----------
    seed : int
        World seed; also the training seed.
    scale : str
        Simulator scale.
    settings : ConversionSettings or None
        Stage settings; None uses the defaults.

    Returns
    -------
    ConversionRecovery
        Trained result, truth AUCs on the validation leads, per-channel errors.
    """
    settings = settings or ConversionSettings()
    world = simulate_world(seed, scale)
    _, latent, teams = simulate_lead_truth(seed, scale)
    leads = world.leads  # lead L<i+1> is latent row i
    cutoff = leads["created_at"].max().normalize() + pd.Timedelta(days=1)
    features = build_lead_features(leads, cutoff)
    result = train_conversion(leads, features, cutoff, settings, seed=seed)
    labelled = labelled_leads(leads, features, cutoff, settings.window_days)
    validation = split_by_time(labelled, settings.calibration_fraction,
                               settings.validation_fraction).validation
    rows = validation["lead_id"].str[1:].astype(int).to_numpy() - 1
    y = validation["converted"].to_numpy()
    first_month = int(latent["month_idx"].to_numpy()[rows].min())
    static = static_team_probability(latent, teams, first_month)
    lagged = lagged_team_probability(latent, teams, lag=1)
    truth = {name: channel["p_convert"] for name, channel in world.truth["channels"].items()}
    return ConversionRecovery(
        result=result,
        ceiling_auc=float(roc_auc_score(y, latent["p_convert"].to_numpy()[rows])),
        static_team_auc=float(roc_auc_score(y, static[rows])),
        lagged_team_auc=float(roc_auc_score(y, lagged[rows])),
        channels=compare_to_truth(result.channel_conversion, truth),
    )
