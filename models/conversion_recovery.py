"""Ground-truth checks: how close the conversion model gets to a simulated world's true P."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.metrics import roc_auc_score

from features.leads import build_lead_features
from models.conversion_data import labelled_leads, split_by_time
from models.conversion_training import (
    ConversionResult,
    ConversionSettings,
    compare_to_truth,
    train_conversion,
)
from models.simulation import simulate_lead_truth, simulate_world
from models.simulation_world import CHANNELS, REGION_WON_EFFECT, TeamEffects


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
    channels : dict
        `compare_to_truth` of the per-channel P(convert) against ``truth.json``.
    """

    result: ConversionResult
    ceiling_auc: float
    static_team_auc: float
    channels: dict[str, Any]

    def summary(self) -> dict[str, Any]:
        """Return the acceptance figures as plain numbers."""
        metrics = self.result.backtest.metrics
        return {
            "roc_auc_model": metrics["model"]["roc_auc"],
            "roc_auc_baseline": metrics["baseline"]["roc_auc"],
            "roc_auc_ceiling": self.ceiling_auc,
            "roc_auc_static_team_ceiling": self.static_team_auc,
            "ece_model": metrics["model"]["ece"],
            "ece_baseline": metrics["baseline"]["ece"],
            "channel_relative_error": {name: row["relative_error"]
                                       for name, row in self.channels["channels"].items()},
            "max_abs_channel_relative_error": self.channels["max_abs_relative_error"],
        }


def static_team_probability(latent: pd.DataFrame, teams: TeamEffects, months: int) -> np.ndarray:
    """Compute true P(convert) with team skill fixed at its mean over the first `months`.

    Parameters
    ----------
    latent : pd.DataFrame
        `simulate_lead_truth`'s lead rows (``p_convert``, ``channel_idx``, ``region_idx``,
        ``team_idx``, ``month_idx``).
    teams : TeamEffects
        The world's teams.
    months : int
        Months of history whose mean skill stands in for the monthly one.

    Returns
    -------
    np.ndarray
        One probability per lead.
    """
    won_logit = (np.array([c.won_logit for c in CHANNELS])[latent["channel_idx"]]
                 + REGION_WON_EFFECT[latent["region_idx"]])
    team, month = latent["team_idx"].to_numpy(), latent["month_idx"].to_numpy()
    p_won = expit(won_logit + teams.skill_by_month[team, month])
    mean_skill = teams.skill_by_month[:, :months].mean(axis=1)
    return np.asarray(latent["p_convert"].to_numpy() / p_won * expit(won_logit + mean_skill[team]))


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
    truth = {name: channel["p_convert"] for name, channel in world.truth["channels"].items()}
    return ConversionRecovery(
        result=result,
        ceiling_auc=float(roc_auc_score(y, latent["p_convert"].to_numpy()[rows])),
        static_team_auc=float(roc_auc_score(y, static[rows])),
        channels=compare_to_truth(result.channel_conversion, truth),
    )
