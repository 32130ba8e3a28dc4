import numpy as np

from models.kpi.levels import (
    TeamLevels,
    between_evidence,
    correlated_groups,
    level_evidence,
    ridge_fit,
    shared_swap_gain,
)


def test_shared_swap_gain_by_hand() -> None:
    delta = np.array([[1.0, 2.0]])  # one donor: swapping KPI a moves the prediction by 1, b by 2
    alone, together = np.eye(2), np.ones((2, 2))
    # alone: (e - d)^2 - e^2 = d * (d - 2e)
    np.testing.assert_allclose(shared_swap_gain(delta, 0.0, alone), [1.0, 4.0])
    np.testing.assert_allclose(shared_swap_gain(delta, 1.0, alone), [-1.0, 0.0])
    # together: the joint rise (e - 3)^2 - e^2 is 9 (e = 0) and 3 (e = 1), split d_k * (3 - 2e)
    np.testing.assert_allclose(shared_swap_gain(delta, 0.0, together), [3.0, 6.0])
    np.testing.assert_allclose(shared_swap_gain(delta, 1.0, together), [1.0, 2.0])


def test_correlated_groups_by_hand() -> None:
    kpis = np.array([[1.0, 2.0, 1.0, 5.0], [2.0, 4.0, -1.0, 5.0], [3.0, 6.0, 1.0, 5.0],
                     [4.0, 8.5, -1.0, 5.0], [np.nan, 5.0, 0.0, 5.0]])
    # a and b move together (r about 0.99); c against a is about -0.45; d is constant
    expected = np.array([[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], dtype=float)
    np.testing.assert_array_equal(correlated_groups(kpis, 0.7), expected)
    np.testing.assert_array_equal(correlated_groups(kpis, 1.01), np.eye(4))
    assert correlated_groups(kpis, 0.4)[0, 2] == 1.0  # the size of r counts, not its sign


def joint_swap_rise(levels: TeamLevels, alpha: float, columns: list[int]) -> float:
    """Loop reference: mean over teams of the rise when ``columns`` are swapped together."""
    n_teams = len(levels.outcome)
    rises = []
    for team in range(n_teams):
        others = np.arange(n_teams) != team
        centre, scale, beta, mean = ridge_fit(levels.kpis[others], levels.outcome[others], alpha)
        z = (levels.kpis - centre) / scale
        error = levels.outcome[team] - mean - z[team] @ beta
        swapped = np.repeat(z[team][None, :], n_teams - 1, axis=0)
        swapped[:, columns] = z[others][:, columns]
        rises.append(np.mean((levels.outcome[team] - mean - swapped @ beta) ** 2) - error**2)
    return float(np.mean(rises))


def test_correlated_levels_share_the_rise_of_swapping_them_together() -> None:
    rng = np.random.default_rng(5)
    signal = rng.normal(size=20)
    kpis = np.column_stack([signal + 0.2 * rng.normal(size=20), signal + 0.2 * rng.normal(size=20),
                            rng.normal(size=20)])
    levels = TeamLevels(kpis=kpis, outcome=2.0 * signal, rows=np.ones(20))
    grouped, alone = level_evidence(levels, 1.0, 0.7), level_evidence(levels, 1.0)
    both = joint_swap_rise(levels, 1.0, [0, 1])
    # the two shares add up to the joint rise; swapped one at a time they miss the shared
    # cross term (the old behaviour credited about half of it)
    np.testing.assert_allclose(grouped.gain[:, :2].sum(axis=1).mean(), both, rtol=1e-10)
    assert alone.gain[:, :2].sum(axis=1).mean() < 0.7 * both
    for column in range(3):
        np.testing.assert_allclose(alone.gain[:, column].mean(),
                                   joint_swap_rise(levels, 1.0, [column]), rtol=1e-10)
    np.testing.assert_allclose(grouped.gain[:, 2], alone.gain[:, 2])  # a lone KPI is unchanged
    np.testing.assert_allclose(level_evidence(levels, 1.0, 1.01).gain, alone.gain)
    np.testing.assert_allclose(grouped.loss, alone.loss)


def test_within_only_kpis_are_left_out_of_the_between_model() -> None:
    rng = np.random.default_rng(7)
    signal = rng.normal(size=20)
    # a true level and a look-alike that tracks it across teams (a chance correlation)
    kpis = np.column_stack([signal + 0.3 * rng.normal(size=20), signal + 0.2 * rng.normal(size=20)])
    levels = TeamLevels(kpis=kpis, outcome=2.0 * signal, rows=np.ones(20))
    both = level_evidence(levels, 1.0, 0.7)
    assert both.gain[:, 1].mean() > 0.2 * both.gain.sum(axis=1).mean()  # it takes a share
    kept = between_evidence(levels, np.array([False, True]), 1.0, 0.7)
    assert np.all(kept.gain[:, 1] == 0.0)
    alone = level_evidence(TeamLevels(kpis=kpis[:, :1], outcome=levels.outcome,
                                      rows=levels.rows), 1.0)
    # the true level is credited as if the look-alike did not exist
    np.testing.assert_allclose(kept.gain[:, 0], alone.gain[:, 0])
    np.testing.assert_allclose(kept.loss, alone.loss)
    nothing = between_evidence(levels, np.array([True, True]), 1.0)
    assert nothing.gain.shape == (20, 2) and np.all(nothing.gain == 0.0)
