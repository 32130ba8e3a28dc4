import numpy as np
import pandas as pd
import pytest

from features._checks import MissingColumnsError
from features.leads import build_lead_features
from features.team_form import count_in_window, team_form

NaT = pd.NaT


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def four_leads() -> pd.DataFrame:
    return pd.DataFrame({
        "lead_id": ["L1", "L2", "L3", "L4"],
        "created_at": [ts("2024-01-03 06:00"), ts("2023-12-31 23:00"),
                       ts("2024-02-20 10:00"), ts("2024-02-28 12:00")],
        "team": ["south", "north", "north", "south"],
        "converted_at": [ts("2024-01-20"), ts("2024-02-15"), NaT, NaT],
    })


def form_of(frame: pd.DataFrame, lead_id: str) -> pd.Series:
    return frame.set_index("lead_id").loc[lead_id]


def test_form_by_hand() -> None:
    form = team_form(four_leads(), windows=(30, 90), prior=10.0)
    assert list(form.columns) == ["lead_id", "team_form_30d", "team_form_90d"]
    # L1 is the first lead of all: no history, average form.
    assert form_of(form, "L1").tolist() == [1.0, 1.0]
    # L3 (north): in its 30 days north won L2 (Feb 15) and nobody created a lead, so the
    # share falls back to 1/2 of the 1 conversion; in 90 days, 1 of 2 conversions and 1 of
    # 2 leads: exactly as expected.
    l3 = form_of(form, "L3")
    assert l3["team_form_30d"] == pytest.approx(11.0 / 10.5)
    assert l3["team_form_90d"] == pytest.approx(1.0)
    # L4 (south): in 30 days north won the one conversion and had the one lead (L3), so
    # south was expected to win none and won none; in 90 days south won 1 of the 2
    # conversions with 1 of the 3 leads.
    l4 = form_of(form, "L4")
    assert l4["team_form_30d"] == pytest.approx(1.0)
    assert l4["team_form_90d"] == pytest.approx(11.0 / (2.0 / 3.0 + 10.0))


def test_a_lead_never_sees_its_own_outcome() -> None:
    leads = four_leads()
    before = team_form(leads)
    for converted_at in (NaT, leads.loc[2, "created_at"], ts("2024-02-21"), ts("2030-01-01")):
        changed = leads.copy()
        changed.loc[2, "converted_at"] = converted_at  # L3 converts (or not) at or after creation
        pd.testing.assert_series_equal(team_form(changed).iloc[2], before.iloc[2])


def test_a_team_converting_more_has_better_form() -> None:
    rng = np.random.default_rng(0)
    n = 4_000
    created = ts("2024-01-01") + pd.to_timedelta(np.sort(rng.uniform(0, 365, n)), unit="D")
    team = np.where(rng.random(n) < 0.5, "hot", "cold")
    converts = rng.random(n) < np.where(team == "hot", 0.4, 0.1)
    leads = pd.DataFrame({
        "lead_id": [f"L{i}" for i in range(n)], "created_at": created, "team": team,
        "converted_at": pd.Series(created + pd.Timedelta(days=20)).where(converts)})
    form = team_form(leads).assign(team=team, created_at=created)
    late = form.loc[form["created_at"] > ts("2024-04-01")]
    by_team = late.groupby("team")["team_form_90d"].mean()
    assert by_team["hot"] > 1.3 > 1.0 > 0.7 > by_team["cold"]


def test_count_in_window_is_half_open() -> None:
    times = np.array([0, 5, 10], dtype=np.int64)
    assert count_in_window(times, np.array([10, 11, 0]), 10).tolist() == [2.0, 2.0, 0.0]


def test_bad_arguments() -> None:
    with pytest.raises(MissingColumnsError):
        team_form(four_leads().drop(columns="team"))
    with pytest.raises(ValueError, match="positive"):
        team_form(four_leads(), windows=(0,))


def test_lead_features_carry_the_form_only_with_history() -> None:
    leads = four_leads().assign(channel="organic")
    cutoff = ts("2024-03-01")
    with_form = build_lead_features(leads, cutoff)
    assert {"team_form_30d", "team_form_90d"} <= set(with_form.columns)
    assert "team_form_30d" not in build_lead_features(leads.drop(columns="converted_at"), cutoff)
    assert "team_form_30d" not in build_lead_features(leads, cutoff, team_form_days=())
