import numpy as np
import pandas as pd
import pytest

from models.kpi.evidence import NO_EVIDENCE
from models.kpi.levels import TeamLevels, level_directions, level_evidence, team_levels
from models.kpi.predictive import group_means, permute_within, team_totals, within_deviations
from models.kpi.weights import KpiWeightModel, normalised

CHEAP = {"n_cv_repeats": 2, "n_permutations": 1, "n_bootstrap": 300}
WEIGHT_COLUMNS = ["kpi", "weight", "weight_low", "weight_high", "direction", "rationale"]


def synthetic(seed: int, n_teams: int = 30, n_months: int = 30) -> pd.DataFrame:
    """Outcome = 3 x a drifting skill (seen through ``signal``) + noise.

    ``vanity`` identifies each team (a wide level per team plus a random walk) and has no
    effect on the outcome. (A vanity KPI that also correlates with skill across teams is
    the harder case: the ground-truth test in test_phases.py covers it on the simulator.)
    """
    rng = np.random.default_rng(seed)
    team = np.repeat(np.arange(n_teams), n_months)
    month = np.tile(np.arange(n_months), n_teams)
    level = rng.normal(size=n_teams)
    skill = level[team] + 0.8 * rng.normal(size=len(team))
    vanity = (2.0 * rng.normal(size=n_teams)[team]
              + np.cumsum(rng.normal(0, 0.3, (n_teams, n_months)), axis=1).ravel())
    return pd.DataFrame({"team": [f"t{i:02d}" for i in team], "month": month,
                         "signal": skill + rng.normal(0, 0.3, len(team)),
                         "vanity": vanity, "noise": rng.normal(size=len(team)),
                         "outcome": 3 * skill + rng.normal(0, 1, len(team))})


def fit(rows: pd.DataFrame, seed: int = 0) -> KpiWeightModel:
    return KpiWeightModel(random_state=seed, **CHEAP).fit(
        rows[["signal", "vanity", "noise"]], rows["outcome"], rows["team"], rows["month"])


@pytest.fixture(scope="module")
def model() -> KpiWeightModel:
    return fit(synthetic(0))


def test_within_deviations_remove_team_level_and_calendar() -> None:
    teams, months = np.repeat(np.arange(3), 5), np.tile(np.arange(5), 3)
    values = (np.array([10.0, 20.0, 30.0])[teams] + np.arange(5.0)[months])[:, None]
    deviations = within_deviations(values, teams, months, np.ones(15, bool), half_window=10)
    np.testing.assert_allclose(deviations, 0.0, atol=1e-12)


def test_within_deviations_use_a_local_level() -> None:
    # One team, a straight line: the centred 3-month mean equals the value inside the
    # series; at the edges it is the mean of the 2 months there (0.5 below / above).
    values = np.arange(6.0)[:, None]
    teams, months = np.zeros(6, dtype=np.int64), np.arange(6)
    deviations = within_deviations(values, teams, months, np.zeros(6, bool), half_window=1)
    np.testing.assert_allclose(deviations[:, 0], [-0.5, 0, 0, 0, 0, 0.5])


def test_group_means_ignore_nan_and_team_totals_sum() -> None:
    values = np.array([[1.0], [np.nan], [3.0], [5.0]])
    np.testing.assert_allclose(group_means(values, np.array([0, 0, 1, 1]), 2)[:, 0], [1.0, 4.0])
    np.testing.assert_allclose(team_totals(np.array([1.0, 2.0, 3.0]), np.array([0, 1, 1])),
                               [1.0, 5.0])


def test_permute_within_keeps_each_group() -> None:
    values, groups = np.arange(12.0), np.repeat([0, 1, 2], 4)
    shuffled = permute_within(values, groups, np.random.default_rng(0))
    for group in range(3):
        assert sorted(shuffled[groups == group]) == sorted(values[groups == group])
    assert not np.array_equal(shuffled, values)


def test_level_evidence_credits_the_level_that_predicts() -> None:
    rng = np.random.default_rng(3)
    teams, months = np.repeat(np.arange(15), 4), np.tile(np.arange(4), 15)
    level = rng.normal(size=15)
    features = np.column_stack([level[teams], rng.normal(size=15)[teams]])
    evidence = level_evidence(team_levels(features, 5 * level[teams], teams, months), 1.0)
    assert evidence.gain[:, 0].mean() > 10 * abs(evidence.gain[:, 1].mean())
    assert evidence.loss.mean() < 0.1 * np.var(5 * level)  # held-out teams predicted well



def test_level_directions_one_kpi_at_a_time() -> None:
    kpis = np.array([[1.0, 5.0, 7.0, np.nan], [2.0, 4.0, 7.0, np.nan], [3.0, 3.0, 7.0, 1.0],
                     [4.0, 1.0, 7.0, np.nan]])
    levels = TeamLevels(kpis=kpis, outcome=np.array([1.0, 2.0, 3.0, 4.0]), rows=np.ones(4))
    # rises with the outcome, falls with it, constant, known for one team only
    np.testing.assert_array_equal(level_directions(levels), [1.0, -1.0, 1.0, 1.0])


def lagging(seed: int, n_teams: int = 20, n_months: int = 24) -> pd.DataFrame:
    """Teams with a higher ``book`` do better, but a month above the team's level precedes
    a worse quarter (a stock that lags a mean-reverting driver), and that swing is larger."""
    rng = np.random.default_rng(seed)
    team = np.repeat(np.arange(n_teams), n_months)
    level, swing = rng.normal(size=n_teams), rng.normal(0, 3.0, n_teams * n_months)
    return pd.DataFrame({"team": [f"t{i:02d}" for i in team],
                         "month": np.tile(np.arange(n_months), n_teams),
                         "book": level[team] + swing, "noise": rng.normal(size=len(team)),
                         "outcome": 3 * level[team] - 2 * swing
                         + rng.normal(0, 0.5, len(team))})


def test_direction_follows_the_teams_not_the_within_team_swing() -> None:
    # Most of book's gain is within teams, where its SHAP values fall as it rises; the
    # previous rule took that sign and said lower_is_better.
    rows = lagging(0)
    model = KpiWeightModel(random_state=0, **CHEAP).fit(
        rows[["book", "noise"]], rows["outcome"], rows["team"], rows["month"])
    assert model.weights_["book"] == pytest.approx(1.0)
    assert np.corrcoef(rows["book"], model.shap_values_["book"])[0, 1] < 0
    assert model.direction_["book"] == "higher_is_better"

def test_normalised_by_hand() -> None:
    np.testing.assert_allclose(normalised(np.array([3.0, -1.0, 1.0])), [0.75, 0.0, 0.25])
    np.testing.assert_allclose(normalised(np.array([-1.0, 0.0])), [0.0, 0.0])


def test_signal_wins_vanity_and_noise_get_no_weight(model: KpiWeightModel) -> None:
    assert model.weights_["signal"] == pytest.approx(1.0)
    assert model.weights_["vanity"] == 0.0 and model.weights_["noise"] == 0.0
    assert model.direction_["signal"] == "higher_is_better"
    table = model.weight_table().set_index("kpi")
    assert table.loc["vanity", "rationale"].startswith(NO_EVIDENCE)
    assert "30 held-out teams over 30 months" in table.loc["signal", "rationale"]


def test_weight_table_invariants(model: KpiWeightModel) -> None:
    table = model.weight_table()
    assert list(table.columns) == WEIGHT_COLUMNS
    assert table["weight"].sum() == pytest.approx(1.0)
    assert (table["weight_low"] <= table["weight"]).all()
    assert (table["weight"] <= table["weight_high"]).all()
    assert table["weight"].is_monotonic_decreasing


def test_fit_is_deterministic(model: KpiWeightModel) -> None:
    pd.testing.assert_frame_equal(fit(synthetic(0)).weight_table(), model.weight_table())


def test_fit_needs_two_teams() -> None:
    rows = synthetic(0).query("team == 't00'")
    with pytest.raises(ValueError, match="two teams"):
        fit(rows)
