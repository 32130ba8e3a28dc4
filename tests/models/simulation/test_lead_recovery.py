"""Ground truth: the conversion model on simulated worlds whose per-lead P(convert) is known."""

from __future__ import annotations

import pytest

from models.conversion.training import ConversionSettings
from models.simulation.lead_recovery import ConversionRecovery, recover_conversion


@pytest.fixture(scope="module")
def default_world() -> ConversionRecovery:
    return recover_conversion(42, "default")


@pytest.mark.xfail(strict=True, reason=(
    "the ceiling knows each team's skill in the lead's own month; even last month's exact "
    "skill (roc_auc_lagged_team_ceiling) only reaches the bar's edge, and +0.03 over the "
    "baseline is above the ceiling itself"))
def test_auc_meets_the_issue_bar(default_world: ConversionRecovery) -> None:
    figures = default_world.summary()
    model = figures["roc_auc_model"]
    assert (model >= figures["roc_auc_baseline"] + 0.03
            or model >= figures["roc_auc_ceiling"] - 0.005)


def test_auc_reaches_what_the_features_can_know(default_world: ConversionRecovery) -> None:
    figures = default_world.summary()
    assert figures["roc_auc_model"] >= figures["roc_auc_static_team_ceiling"] - 0.005
    # Within 0.005 of knowing each team's exact skill of last month (0.003 below at seed
    # 42; seed 3 is 0.008 below, see docs/conversion.md).
    assert figures["roc_auc_model"] >= figures["roc_auc_lagged_team_ceiling"] - 0.005
    assert figures["roc_auc_model"] >= figures["roc_auc_baseline"] - 0.005
    assert figures["roc_auc_model"] <= figures["roc_auc_ceiling"]


def test_team_form_raises_the_auc(default_world: ConversionRecovery) -> None:
    without = ConversionSettings(
        exclude_features=("created_month", "team_form_30d", "team_form_90d"))
    blind = recover_conversion(42, "default", without).summary()["roc_auc_model"]
    assert default_world.summary()["roc_auc_model"] >= blind + 0.001


def test_validation_is_calibrated(default_world: ConversionRecovery) -> None:
    assert default_world.summary()["ece_model"] <= 0.02


def test_channel_p_convert_within_10_percent_of_truth(default_world: ConversionRecovery) -> None:
    figures = default_world.summary()
    assert figures["max_abs_channel_relative_error"] <= 0.10, figures["channel_relative_error"]
    assert len(figures["channel_relative_error"]) == 7


@pytest.mark.slow
@pytest.mark.parametrize("seed", [7, 3])
def test_other_worlds(seed: int) -> None:
    figures = recover_conversion(seed, "default").summary()
    assert figures["roc_auc_model"] >= figures["roc_auc_static_team_ceiling"] - 0.005
    assert figures["ece_model"] <= 0.02
    assert figures["max_abs_channel_relative_error"] <= 0.10, figures["channel_relative_error"]
