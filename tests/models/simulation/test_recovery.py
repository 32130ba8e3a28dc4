"""Slow ground-truth tests: curves and plans recover the simulator's truth over seeds and worlds."""

from __future__ import annotations

import numpy as np
import pytest

from models.simulation.recovery import check_recovery

SEEDS = [1, 2, 3, 4, 5]


@pytest.mark.slow
@pytest.mark.parametrize("vary", [False, True], ids=["default-world", "varied-worlds"])
def test_plan_captures_the_uplift_and_intervals_cover_the_truth(vary: bool) -> None:
    results = [check_recovery(seed, vary, n_bootstrap=30) for seed in SEEDS]
    captured = [r.scorecard["plan"]["uplift_captured"] for r in results]
    regret = [r.scorecard["plan"]["regret"] for r in results]
    assert np.mean(captured) >= 0.90 and np.mean(regret) <= 0.02
    covered = [v for r in results for v in (*r.half_saturation_covered.values(),
                                            *r.theta_covered.values())]
    assert np.mean(covered) >= 0.80
