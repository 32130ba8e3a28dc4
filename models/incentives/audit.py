"""Audit a KPI scheme against the value it rewards: rank correlation, reward share, gaming.

Every measure compares a scheme's score of each team-month with the value that team went on
to create in the next quarter (the KPI weights' outcome), on months the scheme's weights did
not see. A score is the scheme-weighted mean of each KPI's 0-100 percentile among all
team-months of the evaluation window, direction-aware (the scorecard's scoring).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from features._checks import require_columns
from features.kpis import VOLUME_KPIS
from models.incentives.plan import Scheme
from models.kpi.scorecard import percentile_scores

AUDIT_COLUMNS = ("scheme", "rank_correlation", "rank_correlation_low", "rank_correlation_high",
                 "top_value_share", "gaming_gain")
INFLATION = 1.2
GAMEABLE_POINTS = 1.0  # a gaming gain of at least this many score points (of 100) can be bought


@dataclass(frozen=True)
class AuditSettings:
    """Bootstrap draws over teams for the interval, its level, and the seed."""

    n_bootstrap: int = 200
    interval: float = 0.9
    random_state: int = 0


def scheme_scores(rows: pd.DataFrame, scheme: Scheme, reference: pd.DataFrame | None = None
                  ) -> np.ndarray:
    """Score each row 0-100: the weighted mean of its KPIs' percentiles in ``reference``.

    A KPI the rows lack scores neutral (50) for every row; ``reference`` defaults to ``rows``.
    """
    reference = rows if reference is None else reference
    total = np.zeros(len(rows))
    for kpi, weight in scheme.weights.items():
        if kpi in rows and kpi in reference:
            part = percentile_scores(rows[kpi].to_numpy(dtype=np.float64),
                                     reference[kpi].to_numpy(dtype=np.float64),
                                     scheme.directions[kpi])
        else:
            part = np.full(len(rows), 50.0)
        total += weight * part
    return total


def top_value_share(rows: pd.DataFrame, score: np.ndarray) -> float:
    """Share of rewards (one per team in a month's top half by score) won by top-half teams.

    "Top half" by value is by ``outcome`` within the same month; the mean is over months.
    """
    frame = rows[["month", "outcome"]].assign(score=score)
    shares = []
    for _, month in frame.groupby("month", sort=True):
        half = len(month) // 2
        if half == 0:
            continue
        rewarded = month.nlargest(half, "score", keep="first").index
        valuable = month.nlargest(half, "outcome", keep="first").index
        shares.append(len(rewarded.intersection(valuable)) / half)
    return float(np.mean(shares)) if shares else float("nan")


def gaming_gain(rows: pd.DataFrame, scheme: Scheme) -> float:
    """Mean score points a team gains by inflating its volume KPIs 20%, value unchanged."""
    inflated = rows.copy()
    for kpi in VOLUME_KPIS:
        if kpi in inflated:
            inflated[kpi] = inflated[kpi] * INFLATION
    return float(np.mean(scheme_scores(inflated, scheme, rows) - scheme_scores(rows, scheme)))


def cross_team_correlation(months: np.ndarray, score: np.ndarray,
                           outcome: np.ndarray) -> float:
    """Mean over months of the Spearman, across that month's teams, of score and outcome.

    A scheme ranks teams against each other in the same period, so it is judged on
    exactly that: the calendar is the same for every team of a month and cannot earn a
    scheme credit (a scheme that tracks seasonal volume ranks busy months, not teams).
    Months with fewer than 3 rows, or a constant score or outcome, are skipped; NaN if
    none is left.
    """
    order = np.argsort(months, kind="stable")
    months, score, outcome = months[order], score[order], outcome[order]
    bounds = np.flatnonzero(np.r_[True, months[1:] != months[:-1], True])
    values = []
    for start, stop in pairwise(bounds):  # ~12 audited months
        s, o = score[start:stop], outcome[start:stop]
        if stop - start >= 3 and np.ptp(s) > 0 and np.ptp(o) > 0:
            values.append(spearmanr(s, o).statistic)
    return float(np.mean(values)) if values else float("nan")


def rank_interval(rows: pd.DataFrame, score: np.ndarray, settings: AuditSettings
                  ) -> tuple[float, float, float]:
    """:func:`cross_team_correlation`, with a percentile interval from resampling teams."""
    outcome = rows["outcome"].to_numpy(dtype=np.float64)
    months = rows["month"].to_numpy()
    point = cross_team_correlation(months, score, outcome)
    teams = rows["team"].to_numpy()
    names = np.unique(teams)
    members = [np.flatnonzero(teams == name) for name in names]
    rng = np.random.default_rng(settings.random_state)
    draws = []
    for _ in range(settings.n_bootstrap):
        picked = np.concatenate([members[i] for i in rng.integers(0, len(names), len(names))])
        draw = cross_team_correlation(months[picked], score[picked], outcome[picked])
        if not np.isnan(draw):
            draws.append(draw)
    tail = (1.0 - settings.interval) / 2.0
    if not draws:
        return point, float("nan"), float("nan")
    low, high = np.quantile(draws, [tail, 1.0 - tail])
    return point, float(low), float(high)


def audit_scheme(rows: pd.DataFrame, scheme: Scheme, settings: AuditSettings) -> dict[str, object]:
    """One row of the audit for ``scheme`` on evaluation ``rows``.

    Parameters
    ----------
    rows : pandas.DataFrame
        ``team``, ``month``, ``outcome`` (next-quarter value) and the KPI columns, for months
        the scheme's weights were not learned on. ``rank_correlation`` compares teams within
        each month (:func:`cross_team_correlation`).
    """
    require_columns(rows, ("team", "month", "outcome"), "audit rows")
    score = scheme_scores(rows, scheme)
    point, low, high = rank_interval(rows, score, settings)
    return {"scheme": scheme.name, "rank_correlation": point, "rank_correlation_low": low,
            "rank_correlation_high": high, "top_value_share": top_value_share(rows, score),
            "gaming_gain": gaming_gain(rows, scheme)}


def audit_table(rows: pd.DataFrame, schemes: list[Scheme], settings: AuditSettings
                ) -> pd.DataFrame:
    """Return the audit of each scheme, one row each, best rank correlation first."""
    table = pd.DataFrame([audit_scheme(rows, scheme, settings) for scheme in schemes],
                         columns=list(AUDIT_COLUMNS))
    return table.sort_values(["rank_correlation", "scheme"], ascending=[False, True],
                             ignore_index=True)


def best_scheme(table: pd.DataFrame) -> str:
    """Name the scheme to recommend: the best rank correlation among those that resist gaming.

    A score that inflating volume can buy stops following value once people are paid on it,
    however well it ranks the teams today (a busy team can also be a skilled one). Only when
    every scheme can be gamed does the best rank correlation alone decide.
    """
    ordered = table.sort_values(["rank_correlation", "scheme"], ascending=[False, True])
    robust = ordered.loc[ordered["gaming_gain"] < GAMEABLE_POINTS]
    return str((robust if len(robust) else ordered).iloc[0]["scheme"])


def verdict(row: pd.Series, best: str) -> str:
    """Say in one line whether a scheme's score follows value and whether it can be gamed."""
    rho, gain = float(row["rank_correlation"]), float(row["gaming_gain"])
    follows = ("follows the value teams create" if rho >= 0.3 else
               "barely follows the value teams create" if rho >= 0.1 else
               "does not follow the value teams create")
    gamed = (f"; inflating leads and activity 20% buys {gain:.1f} score points"
             if gain >= GAMEABLE_POINTS else "; inflating volume buys next to nothing")
    lead = "best of the schemes: " if row["scheme"] == best else ""
    return f"{lead}{follows} (rank correlation {rho:.2f}){gamed}"


def split_months(rows: pd.DataFrame, holdout_share: float = 1 / 3
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split team-months into earlier months (to learn weights) and later ones (to audit).

    Only rows whose outcome is known count; at least one month goes to each side.
    """
    known = rows.loc[rows["outcome"].notna()]
    months = np.sort(known["month"].unique())
    if len(months) < 2:
        raise ValueError(f"the audit needs at least two months with a known outcome, found "
                         f"{len(months)}: the history is too short")
    cut = months[max(1, min(len(months) - 1, round(len(months) * (1 - holdout_share))))]
    return (known.loc[known["month"] < cut].reset_index(drop=True),
            known.loc[known["month"] >= cut].reset_index(drop=True))
