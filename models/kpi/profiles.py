"""Strategy profiles: documented multipliers that tilt the data-driven KPI weights."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

import pandas as pd


class Profile(StrEnum):
    """Strategy phase: ``balanced`` is the evidence as is; the others tilt it."""

    BALANCED = "balanced"
    GROWTH = "growth"
    PROFIT = "profit"


# A tilt multiplies weights, so it never gives weight to a KPI without evidence.
PROFILE_MULTIPLIERS: dict[Profile, dict[str, float]] = {
    Profile.BALANCED: {},
    Profile.GROWTH: {"leads": 2.0, "new_customers": 2.0},
    Profile.PROFIT: {"cac": 2.0, "avg_cltv_new": 2.0, "retention_90d": 2.0},
}


def tilt_weights(weights: pd.Series, multipliers: Mapping[str, float]) -> pd.Series:
    """Multiply weights by their multiplier (1 when absent) and renormalise to sum to 1.

    Parameters
    ----------
    weights : pandas.Series
        Non-negative weights indexed by KPI, summing to 1.
    multipliers : mapping of str to float
        Positive multiplier per KPI.

    Returns
    -------
    pandas.Series
        The tilted weights; ``weights`` unchanged when the tilt leaves nothing positive.
    """
    if any(value <= 0 for value in multipliers.values()):
        raise ValueError("profile multipliers must be positive")
    factor = pd.Series(1.0, index=weights.index).mul(
        pd.Series(multipliers, dtype="float64").reindex(weights.index).fillna(1.0))
    tilted = weights * factor
    total = float(tilted.sum())
    return tilted / total if total > 0 else weights.copy()


def profiles_table(weights: pd.Series) -> pd.DataFrame:
    """Return ``kpi`` and one weight column per profile (``balanced, growth, profit``).

    Parameters
    ----------
    weights : pandas.Series
        The data-driven (balanced) weights, indexed by KPI.

    Returns
    -------
    pandas.DataFrame
        One row per KPI, ordered by the balanced weight (then name).
    """
    columns = {profile.value: tilt_weights(weights, PROFILE_MULTIPLIERS[profile])
               for profile in Profile}
    table = pd.DataFrame(columns).rename_axis("kpi").reset_index()
    return table.sort_values([Profile.BALANCED.value, "kpi"], ascending=[False, True],
                             ignore_index=True)


def unchanged_profiles(weights: pd.Series) -> list[str]:
    """Profiles whose tilt changes nothing, because none of their KPIs has weight."""
    return [profile.value for profile in Profile if profile is not Profile.BALANCED
            and tilt_weights(weights, PROFILE_MULTIPLIERS[profile]).round(12)
            .equals(weights.round(12))]
