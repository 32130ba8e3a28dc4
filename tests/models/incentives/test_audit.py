"""The scheme audit on tiny team-month panels whose value is known by construction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.incentives.audit import (
    AuditSettings,
    audit_table,
    best_scheme,
    cross_team_correlation,
    gaming_gain,
    scheme_scores,
    top_value_share,
    verdict,
)
from models.incentives.plan import HIGHER, Scheme

SKILL = Scheme("skill", {"lead_to_customer_rate": 1.0}, {"lead_to_customer_rate": HIGHER})
VOLUME = Scheme("volume", {"leads": 1.0}, {"leads": HIGHER})


def panel(seed: int = 0, teams: int = 8, months: int = 6) -> pd.DataFrame:
    """Value follows conversion skill; leads are noise that says nothing about value."""
    rng = np.random.default_rng(seed)
    rows = []
    for month in pd.date_range("2025-01-01", periods=months, freq="MS"):
        skill = rng.uniform(0.05, 0.3, teams)
        rows.append(pd.DataFrame({
            "team": [f"t{i}" for i in range(teams)], "month": month,
            "lead_to_customer_rate": skill, "leads": rng.uniform(100, 200, teams),
            "activity_per_lead": rng.uniform(2, 8, teams),
            "outcome": 1000 * skill + rng.normal(0, 5, teams)}))
    return pd.concat(rows, ignore_index=True)


def test_scores_are_percentiles_weighted_by_the_scheme() -> None:
    rows = pd.DataFrame({"leads": [1.0, 2.0, 3.0, 4.0]})
    # mid-rank percentiles among 4 values: 12.5, 37.5, 62.5, 87.5
    assert scheme_scores(rows, VOLUME) == pytest.approx([12.5, 37.5, 62.5, 87.5])
    half = Scheme("half", {"leads": 0.5, "revenue": 0.5}, {"leads": HIGHER, "revenue": HIGHER})
    assert scheme_scores(rows, half) == pytest.approx([31.25, 43.75, 56.25, 68.75])  # revenue 50


def test_top_value_share_counts_rewards_that_reach_the_valuable_half() -> None:
    rows = pd.DataFrame({"month": ["m"] * 4, "outcome": [4.0, 3.0, 2.0, 1.0]})
    assert top_value_share(rows, np.array([4.0, 3.0, 2.0, 1.0])) == 1.0
    assert top_value_share(rows, np.array([1.0, 2.0, 3.0, 4.0])) == 0.0
    assert top_value_share(rows, np.array([4.0, 1.0, 3.0, 2.0])) == 0.5


def test_inflating_leads_games_a_volume_scheme_only() -> None:
    rows = panel()
    assert gaming_gain(rows, VOLUME) > 5.0
    assert gaming_gain(rows, SKILL) == 0.0


def test_the_audit_ranks_the_scheme_that_follows_value_first() -> None:
    table = audit_table(panel(), [VOLUME, SKILL], AuditSettings(n_bootstrap=50))
    assert list(table["scheme"]) == ["skill", "volume"]
    skill = table.iloc[0]
    assert skill["rank_correlation"] > 0.9
    assert skill["rank_correlation_low"] <= skill["rank_correlation"] <= skill[
        "rank_correlation_high"]
    assert table.iloc[1]["rank_correlation"] < 0.3
    assert "best of the schemes" in verdict(skill, "skill")
    assert "buys" in verdict(table.iloc[1], "skill")


def test_a_scheme_that_can_be_gamed_is_not_recommended_over_one_that_cannot() -> None:
    table = pd.DataFrame({"scheme": ["activity", "suggested", "volume"],
                          "rank_correlation": [0.52, 0.48, -0.1], "gaming_gain": [13.8, 0.0, 9.0]})
    assert best_scheme(table) == "suggested"
    assert best_scheme(table.assign(gaming_gain=[13.8, 2.0, 9.0])) == "activity"  # all gameable


def test_rank_correlation_compares_teams_within_each_month() -> None:
    months = np.repeat(np.arange(4), 3)
    outcome = np.array([1.0, 2.0, 3.0] * 4) + 10.0 * months  # the calendar moves everyone
    # ranks the teams of each month right; ranks them wrong but follows the calendar
    assert cross_team_correlation(months, outcome.copy(), outcome) == pytest.approx(1.0)
    seasonal = np.array([3.0, 2.0, 1.0] * 4) + 10.0 * months
    assert cross_team_correlation(months, seasonal, outcome) == pytest.approx(-1.0)
    # months too small or constant are skipped
    assert np.isnan(cross_team_correlation(np.array([0, 0, 1, 1]), np.ones(4), np.arange(4.0)))
    shuffled = np.array([3, 0, 2, 1, 5, 4, 9, 11, 10, 8, 7, 6])
    assert cross_team_correlation(months[shuffled], outcome[shuffled], outcome[shuffled]) == \
        pytest.approx(1.0)  # row order does not matter


def test_a_seasonal_volume_scheme_earns_nothing_from_the_season() -> None:
    rows = panel()
    season = np.repeat(np.linspace(0.0, 500.0, 6), 8)  # busy months: more leads, more value
    rows = rows.assign(leads=rows["leads"] + season, outcome=rows["outcome"] + season)
    table = audit_table(rows, [VOLUME, SKILL], AuditSettings(n_bootstrap=20)).set_index("scheme")
    assert table.loc["volume", "rank_correlation"] < 0.3
    assert table.loc["skill", "rank_correlation"] > 0.9
