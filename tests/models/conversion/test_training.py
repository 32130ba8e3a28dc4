"""Stage logic of ``train_conversion``: the cap on training rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.leads import build_lead_features
from models.conversion.training import ConversionSettings, train_conversion
from models.simulation.generator import simulate_world


@pytest.fixture(scope="module")
def world() -> tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp]:
    leads = simulate_world(42, "small").leads
    cutoff = leads["created_at"].max().normalize() + pd.Timedelta(days=1)
    return leads, build_lead_features(leads, cutoff), cutoff


def test_a_small_cap_trains_on_a_sample_and_metrics_say_so(
    world: tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp],
) -> None:
    settings = ConversionSettings(model_params={"cv": 3})
    full = train_conversion(*world, settings, seed=0)
    capped = train_conversion(*world, ConversionSettings(
        model_params={"cv": 3}, max_train_rows=1_000), seed=0)
    split = full.backtest.metrics["split"]
    every = sum(part["rows"] for part in split.values())
    assert capped.backtest.metrics["split"] == split  # the time slices stay whole
    assert capped.backtest.metrics["training_sample"] == {
        "max_train_rows": 1_000, "backtest": {"rows": 1_000, "of": split["train"]["rows"]},
        "final": {"rows": 1_000, "of": every}}
    assert capped.backtest.metrics["baseline"] == full.backtest.metrics["baseline"]
    assert full.backtest.metrics["training_sample"]["final"] == {"rows": every, "of": every}
    assert not np.allclose(capped.channel_conversion["p_convert"],
                           full.channel_conversion["p_convert"])


def test_a_cap_that_does_not_bind_changes_nothing(
    world: tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp],
) -> None:
    full = train_conversion(*world, ConversionSettings(model_params={"cv": 3}), seed=0)
    roomy = train_conversion(*world, ConversionSettings(
        model_params={"cv": 3}, max_train_rows=1_000_000), seed=0)
    pd.testing.assert_frame_equal(roomy.channel_conversion, full.channel_conversion)
    assert roomy.model.booster_.model_to_string() == full.model.booster_.model_to_string()
    assert ({k: v for k, v in roomy.backtest.metrics.items() if k != "training_sample"}
            == {k: v for k, v in full.backtest.metrics.items() if k != "training_sample"})
