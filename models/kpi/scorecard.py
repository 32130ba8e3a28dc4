"""Team scorecard: latest KPIs scored 0-100 against the panel, weighted, ranked, with targets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from features._checks import require_columns
from models.kpi.weights import HIGHER, LOWER

# Used where the data gives a KPI no weight, so its learned direction carries no evidence.
DEFAULT_DIRECTIONS = {
    "leads": HIGHER,
    "mql_to_sql_rate": HIGHER,
    "lead_to_customer_rate": HIGHER,
    "median_days_to_convert": LOWER,
    "new_customers": HIGHER,
    "avg_cltv_new": HIGHER,
    "cac": LOWER,
    "retention_90d": HIGHER,
    "revenue": HIGHER,
    "activity_per_lead": HIGHER,
}
NEUTRAL_SCORE = 50.0


@dataclass(frozen=True)
class TargetRule:
    """How a next-month target is set.

    Attributes
    ----------
    stretch : float
        Share of the gap between the team's forecast and the peers' goal to close, in [0, 1].
    peer_quantile : float
        The peers' goal is this quantile of "goodness" (0.75: the 75th percentile for
        higher-is-better KPIs, the 25th for lower-is-better).
    recent_months : int
        Months of the team's own history behind its forecast and its floor.
    """

    stretch: float = 0.5
    peer_quantile: float = 0.75
    recent_months: int = 3


def scorecard_directions(weights: pd.DataFrame) -> dict[str, str]:
    """Direction per KPI: learned when the KPI has weight, else the domain default.

    ``weights`` holds ``kpi``, ``weight`` and ``direction`` (a weights table).
    """
    require_columns(weights, ("kpi", "weight", "direction"), "weights")
    return {
        str(kpi): str(direction) if float(weight) > 0
        else DEFAULT_DIRECTIONS.get(str(kpi), str(direction))
        for kpi, weight, direction in zip(weights["kpi"], weights["weight"],
                                          weights["direction"], strict=True)
    }


def percentile_scores(values: np.ndarray, reference: np.ndarray, direction: str) -> np.ndarray:
    """Score values 0-100 by their mid-rank percentile in ``reference``, direction-aware.

    A value above every reference value scores 100 for a higher-is-better KPI (0 for a
    lower-is-better one); a missing value, or an empty reference, scores 50.
    """
    known = np.sort(reference[~np.isnan(reference)])
    values = np.asarray(values, dtype=np.float64)
    if known.size == 0:
        return np.full(values.shape, NEUTRAL_SCORE)
    below = np.searchsorted(known, values, side="left")
    equal = np.searchsorted(known, values, side="right") - below
    score = 100.0 * (below + 0.5 * equal) / known.size
    score = 100.0 - score if direction == LOWER else score
    return np.where(np.isnan(values), NEUTRAL_SCORE, score)


def next_month_targets(panel: pd.DataFrame, kpi: str, direction: str,
                       rule: TargetRule) -> pd.Series:
    """Suggest each team's next-month target for one KPI.

    The team's forecast is the mean of its last ``recent_months`` months. The target
    moves it ``stretch`` of the way toward the peers' goal (the ``peer_quantile`` of the
    other teams' values over those months) when the goal is better, and is never worse
    than the team's own median of those months.

    Parameters
    ----------
    panel : pandas.DataFrame
        ``team``, ``month`` and the ``kpi`` column.
    kpi, direction : str
        The KPI and ``higher_is_better`` or ``lower_is_better``.
    rule : TargetRule
        Stretch, peer quantile and history length.

    Returns
    -------
    pandas.Series
        Target per team (NaN when the team has no recent value).
    """
    require_columns(panel, ("team", "month", kpi), "panel")
    months = np.sort(panel["month"].unique())[-rule.recent_months:]
    recent = panel.loc[panel["month"].isin(months), ["team", kpi]].dropna()
    sign = 1.0 if direction == HIGHER else -1.0
    targets = {}
    for team in sorted(panel["team"].unique()):
        own = recent.loc[recent["team"] == team, kpi].to_numpy(dtype=np.float64) * sign
        peers = recent.loc[recent["team"] != team, kpi].to_numpy(dtype=np.float64) * sign
        if own.size == 0:
            targets[team] = np.nan
            continue
        forecast, floor = float(own.mean()), float(np.median(own))
        goal = float(np.quantile(peers, rule.peer_quantile)) if peers.size else forecast
        stretched = forecast + rule.stretch * max(goal - forecast, 0.0)
        targets[team] = sign * max(stretched, floor)
    return pd.Series(targets, name=f"{kpi}_target", dtype=np.float64).rename_axis("team")


def build_scorecard(
    panel: pd.DataFrame, weights: Mapping[str, float], directions: Mapping[str, str],
    rule: TargetRule | None = None,
) -> pd.DataFrame:
    """Build one scorecard row per team from the latest month of the panel.

    Parameters
    ----------
    panel : pandas.DataFrame
        ``team``, ``month`` and one column per KPI in ``weights``.
    weights : mapping of str to float
        KPI weights summing to 1.
    directions : mapping of str to str
        ``higher_is_better`` or ``lower_is_better`` per KPI.
    rule : TargetRule, optional
        How targets are set; the defaults when None.

    Returns
    -------
    pandas.DataFrame
        Sorted by rank: ``team``, ``month``, ``score`` (0-100, the weighted KPI scores),
        ``rank`` (1 = best), then per KPI its latest value, ``<kpi>_score`` and
        ``<kpi>_target``.
    """
    rule = rule or TargetRule()
    kpis = list(weights)
    require_columns(panel, ["team", "month", *kpis], "panel")
    latest = panel["month"].max()
    card = panel.loc[panel["month"] == latest, ["team", "month", *kpis]]
    card = card.set_index("team").sort_index()
    score = pd.Series(0.0, index=card.index)
    columns: dict[str, pd.Series] = {"month": card["month"]}
    for kpi in kpis:
        values = card[kpi].to_numpy(dtype=np.float64)
        reference = panel[kpi].to_numpy(dtype=np.float64)
        points = pd.Series(percentile_scores(values, reference, directions[kpi]), card.index)
        score += float(weights[kpi]) * points
        columns |= {kpi: card[kpi], f"{kpi}_score": points,
                    f"{kpi}_target": next_month_targets(panel, kpi, directions[kpi], rule)
                    .reindex(card.index)}
    out = pd.DataFrame({"score": score, "rank": score.rank(ascending=False, method="min")
                        .astype(np.int64)} | columns)
    out = out.rename_axis("team").reset_index()
    front = ["team", "month", "score", "rank"]
    out = out[front + [c for c in out.columns if c not in front]]
    return out.sort_values(["rank", "team"], ignore_index=True)
