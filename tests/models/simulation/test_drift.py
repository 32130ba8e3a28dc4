from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.simulation.drift import Drift, DriftKind, apply_drift, parse_drift, start_time
from models.simulation.generator import simulate_world
from models.simulation.tables import stage_days
from models.simulation.world import CHANNELS, START_WEEK, draw_team_effects


def latent() -> pd.DataFrame:
    start = START_WEEK + pd.Timedelta(weeks=10)
    return pd.DataFrame({
        "created_at": [start - pd.Timedelta(days=20), start + pd.Timedelta(days=1),
                       start - pd.Timedelta(days=400), start - pd.Timedelta(days=100)],
        "channel_idx": [0, 0, 1, 0], "team_idx": [0, 1, 0, 1], "is_won": [True] * 4,
        "p_convert": [0.2] * 4, "cycle_days": [50.0, 30.0, 10.0, 20.0],
        "lifetime_days": [100.0, 100.0, 500.0, 100.0]})


def test_cycle_stretches_only_the_time_still_to_go() -> None:
    teams = draw_team_effects(np.random.default_rng(0), 2)
    out = apply_drift(latent(), Drift(DriftKind.CYCLE, "team_01", 10, 1.5), teams, CHANNELS,
                      np.random.default_rng(0))
    # open 20 days at the start, 30 to go -> 45; other teams and converted leads unchanged
    assert out["cycle_days"].tolist() == [20 + 30 * 1.5, 30.0, 10.0, 20.0]


def test_cycle_drift_keeps_the_stages_reached_before_it() -> None:
    teams = draw_team_effects(np.random.default_rng(0), 2)
    out = apply_drift(latent(), Drift(DriftKind.CYCLE, "team_01", 10, 1.5), teams, CHANNELS,
                      np.random.default_rng(0))
    # lead 0: open 20 days of a 50-day cycle. MQL (10% = day 5) was reached before the start
    # and keeps its time; SQL (35% = day 17.5) too; 60% (day 30) is 10 days after -> 15.
    assert stage_days(out, 0.10).tolist() == pytest.approx([5.0, 3.0, 1.0, 2.0])
    assert stage_days(out, 0.35).tolist() == pytest.approx([17.5, 10.5, 3.5, 7.0])
    assert stage_days(out, 0.60)[0] == pytest.approx(20 + 10 * 1.5)
    assert stage_days(out, 1.0).tolist() == pytest.approx(out["cycle_days"].tolist())
    # without a drift the stages are shares of the cycle
    assert stage_days(latent(), 0.35).tolist() == pytest.approx([17.5, 10.5, 3.5, 7.0])


def test_churn_shrinks_the_life_left_after_the_start() -> None:
    teams = draw_team_effects(np.random.default_rng(0), 2)
    frame = latent()
    out = apply_drift(frame, Drift(DriftKind.CHURN, CHANNELS[0].name, 10, 2.0), teams, CHANNELS,
                      np.random.default_rng(0))
    # last lead: acquired 80 days before the start, 20 days of life left -> 10
    assert out["lifetime_days"].iloc[3] == pytest.approx(80 + 20 / 2)
    assert out["lifetime_days"].iloc[0] == pytest.approx(100 / 2)  # acquired after the start
    assert out["lifetime_days"].iloc[2] == 500.0  # another channel
    assert frame["lifetime_days"].iloc[0] == 100.0  # the input is not modified


def test_conversion_drop_thins_conversions_after_the_start() -> None:
    base = simulate_world(3, "small")
    drift = Drift(DriftKind.CONVERSION, "paid_social", 100, 0.3)
    dropped = simulate_world(3, "small", drifts=(drift,))
    after = start_time(drift) + pd.Timedelta(days=60)

    def rate(world: object) -> float:
        leads = world.leads  # type: ignore[attr-defined]
        mine = leads.loc[(leads["channel"] == "paid_social") & (leads["created_at"] >= after)]
        return float(mine["converted_at"].notna().mean())

    assert rate(dropped) < 0.6 * rate(base)
    assert dropped.truth["drifts"][0]["kpi"] == "lead_conversion_rate"
    assert "drifts" not in base.truth


def test_parse_drift_errors() -> None:
    assert parse_drift("churn:organic:120:2") == Drift(DriftKind.CHURN, "organic", 120, 2.0)
    with pytest.raises(ValueError, match="KIND:SEGMENT:WEEK:SIZE"):
        parse_drift("churn:organic")
    with pytest.raises(ValueError, match="KIND is one of"):
        parse_drift("speed:organic:1:2")
    with pytest.raises(ValueError, match="SIZE > 0"):
        parse_drift("churn:organic:1:0")


def test_closing_stretches_only_the_time_after_sql() -> None:
    teams = draw_team_effects(np.random.default_rng(0), 2)
    out = apply_drift(latent(), Drift(DriftKind.CLOSING, "team_01", 10, 2.0), teams, CHANNELS,
                      np.random.default_rng(0))
    # lead 0: 20 days open at the start of a 50-day cycle; SQL is at 17.5 days, so the
    # stretch starts at the drift (day 20): 30 days to go -> 60. Lead 1 (another team) and
    # lead 2 (converted before the start) are unchanged.
    assert out["cycle_days"].tolist()[:3] == [20 + 30 * 2.0, 30.0, 10.0]
    assert stage_days(out, 0.35)[0] == pytest.approx(17.5)
    # a lead of the team created after the start keeps its MQL and SQL times
    fresh = latent().assign(team_idx=[0, 0, 0, 1])
    out = apply_drift(fresh, Drift(DriftKind.CLOSING, "team_01", 10, 2.0), teams, CHANNELS,
                      np.random.default_rng(0))
    # lead 1: created a day after the start, 30-day cycle: SQL at 10.5 days, then 19.5 -> 39
    assert out["cycle_days"].iloc[1] == pytest.approx(10.5 + 19.5 * 2.0)
    assert stage_days(out, 0.10)[1] == pytest.approx(3.0)
    assert stage_days(out, 0.35)[1] == pytest.approx(10.5)
    assert stage_days(out, 1.0)[1] == pytest.approx(49.5)
