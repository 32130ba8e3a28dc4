import numpy as np

from models.simulation.generator import simulate_world
from models.simulation.kpi_worlds import (
    TeamProcess,
    ValueDriver,
    correlated_levels,
    draw_kpi_world,
    team_paths,
)
from models.simulation.world import n_months


def test_specs_span_the_documented_ranges() -> None:
    specs = [draw_kpi_world(seed)[0] for seed in range(60)]
    assert {spec.n_teams for spec in specs} <= set(range(6, 41))
    assert min(s.n_teams for s in specs) <= 10 and max(s.n_teams for s in specs) >= 35
    assert {spec.driver for spec in specs} == set(ValueDriver)
    assert {spec.lag_months for spec in specs} == {0, 1, 2, 3}
    assert any(s.vanity_correlation == 0 for s in specs)
    assert any(s.vanity_correlation >= 0.6 for s in specs)


def test_team_effects_have_the_shapes_the_generator_reads() -> None:
    spec, teams = draw_kpi_world(3)
    shape = (spec.n_teams, n_months())
    assert teams.skill_by_month.shape == teams.activity_by_month.shape == shape
    assert teams.sql_skill_by_month is not None and teams.sql_skill_by_month.shape == shape
    assert teams.retention_by_month is not None and (teams.retention_by_month > 0).all()
    # Skill shows in MQL -> SQL lag_months before it wins deals.
    latent_sql = teams.sql_skill_by_month / spec.sql_share
    lag = spec.lag_months
    np.testing.assert_allclose(latent_sql[:, : shape[1] - lag], teams.skill_by_month[:, lag:])


def test_a_random_walk_and_imposed_correlation() -> None:
    rng = np.random.default_rng(0)
    walk = team_paths(rng, TeamProcess(level_sd=0.0, step_sd=1.0, persistence=1.0),
                      np.zeros(2000), 36)
    assert abs(walk[:, -1].var() / walk[:, 0].var() - 36) < 4  # variance grows with time
    driver = rng.normal(size=4000)
    levels = correlated_levels(rng, driver, 0.8, 0.5)
    assert abs(np.corrcoef(levels, driver)[0, 1] - 0.8) < 0.03
    assert abs(levels.std() - 0.5) < 0.03


def test_truth_records_drivers_and_noise_seeds_share_the_truth() -> None:
    first = simulate_world(1, "small", kpi_world=5)
    second = simulate_world(2, "small", kpi_world=5)
    truth = first.truth["kpi_world"]
    assert truth == second.truth["kpi_world"]  # same truth seed, same truth
    assert not first.leads["created_at"].equals(second.leads["created_at"])  # other noise
    assert truth["vanity"] == ["activity_per_lead"]
    assert truth["drivers"] and "activity_per_lead" not in truth["drivers"]
    assert first.leads["team"].nunique() == truth["n_teams"]
    assert "kpi_world" not in simulate_world(1, "small").truth  # off by default
