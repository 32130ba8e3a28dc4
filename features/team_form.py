"""A team's recent form, as of each lead's creation: its conversions against the expected.

Sales teams run hot and cold: people join and leave, and pipelines fill and drain. A lead
handed to a team that has been converting well lately is more likely to convert. At the
moment a lead is created, the only evidence of that form is the team's conversions already
observed, so every count here is taken strictly before the lead's ``created_at``: the lead's
own outcome, and anything later, never enters its row.

The form index over a window of ``w`` days is

    (team conversions in the window + prior) / (expected conversions + prior)

where the expected conversions are every team's conversions in the window times this team's
share of the leads created in it (an equal share among the teams when no lead was). An
index of 1.3 reads "30% more conversions than a team with its lead volume would have had at
the company's rate". ``prior`` pseudo-conversions shrink small teams and quiet windows
towards 1 (average form); a team without history is exactly 1.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from features._checks import DAY_NS, require_columns

DEFAULT_WINDOWS: tuple[int, ...] = (30, 90)
DEFAULT_PRIOR = 10.0


def form_column(window_days: int) -> str:
    """Name of the form index over `window_days` days: ``team_form_30d``."""
    return f"team_form_{window_days}d"


def count_in_window(sorted_times: np.ndarray, at: np.ndarray, width: int) -> np.ndarray:
    """Count the `sorted_times` in ``[at - width, at)`` for every entry of `at` (int64)."""
    upper = np.searchsorted(sorted_times, at, side="left")
    lower = np.searchsorted(sorted_times, at - width, side="left")
    return np.asarray(upper - lower, dtype=np.float64)


def _sorted_ns(times: pd.Series) -> np.ndarray:
    """Non-missing datetimes as sorted int64 nanoseconds."""
    return np.sort(times.dropna().to_numpy(dtype="datetime64[ns]").astype(np.int64))


def team_form(
    leads: pd.DataFrame,
    windows: Sequence[int] = DEFAULT_WINDOWS,
    prior: float = DEFAULT_PRIOR,
) -> pd.DataFrame:
    """Compute each lead's team form index over each window, as of its creation.

    Parameters
    ----------
    leads : pd.DataFrame
        ``lead_id``, ``created_at``, ``team`` and ``converted_at`` (NaT when not
        converted). Pass only rows known at the as-of moment (created before the cutoff).
    windows : sequence of int
        Window lengths in days (each > 0).
    prior : float
        Pseudo-conversions added to both sides of the ratio (> 0).

    Returns
    -------
    pd.DataFrame
        ``lead_id`` (str) and one float column per window (`form_column`), in the row
        order of `leads`, with a fresh RangeIndex.
    """
    require_columns(leads, ("lead_id", "created_at", "team", "converted_at"), "leads")
    if not prior > 0 or any(int(w) <= 0 for w in windows):
        raise ValueError(f"windows must be positive days and prior > 0, got {windows}, {prior}")
    at = leads["created_at"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
    every_conversion = _sorted_ns(leads["converted_at"])
    every_lead = np.sort(at)
    team = leads["team"].astype("str").to_numpy()
    groups = pd.Series(np.arange(len(leads))).groupby(team, sort=True).indices
    equal_share = 1.0 / max(len(groups), 1)
    by_team = [(rows, _sorted_ns(leads["converted_at"].iloc[rows]), np.sort(at[rows]))
               for rows in groups.values()]  # each team's sorted conversions and creations
    columns: dict[str, np.ndarray] = {}
    for window in windows:
        width = int(window) * DAY_NS
        team_won = np.zeros(len(leads))
        team_leads = np.zeros(len(leads))
        for rows, conversions, creations in by_team:
            team_won[rows] = count_in_window(conversions, at[rows], width)
            team_leads[rows] = count_in_window(creations, at[rows], width)
        all_won = count_in_window(every_conversion, at, width)
        all_leads = count_in_window(every_lead, at, width)
        share = np.divide(team_leads, all_leads, out=np.full(len(leads), equal_share),
                          where=all_leads > 0)
        expected = all_won * share
        columns[form_column(int(window))] = (team_won + prior) / (expected + prior)
    return pd.DataFrame({"lead_id": leads["lead_id"].astype("str").to_numpy(), **columns})
