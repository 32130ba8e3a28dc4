"""Lead scoring in parts: the model sent as text, the parts equal one call on every row."""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest

from features.leads import build_lead_features
from models.conversion.model import LeadConversionModel
from models.conversion.scoring import score_leads
from models.conversion.store import conversion_model_from_text, conversion_model_text
from models.conversion.training import ConversionSettings, train_conversion
from models.scale.leads import row_ranges, score_in_parts
from models.scale.tasks import DaskTasks, InProcess
from models.simulation.generator import simulate_world

CLTV = pd.Series({"events": 1000.0, "organic": 500.0, "paid_search": 750.0})


@cache
def scored_world() -> tuple[LeadConversionModel, pd.DataFrame]:
    """A model trained on the small world, and the features of its leads (shuffled index)."""
    leads = simulate_world(42, "small").leads
    cutoff = leads["created_at"].max().normalize() + pd.Timedelta(days=1)
    features = build_lead_features(leads, cutoff)
    model = train_conversion(leads, features, cutoff, ConversionSettings(model_params={"cv": 3}),
                             seed=0).model
    order = np.random.default_rng(0).permutation(len(features))
    return model, features.iloc[order].set_index(pd.Index(order * 3))  # not 0..n-1


def test_row_ranges_by_hand() -> None:
    assert row_ranges(7, 3) == [(0, 3), (3, 6), (6, 7)]
    assert row_ranges(6, 3) == [(0, 3), (3, 6)]
    assert row_ranges(0, 3) == []
    with pytest.raises(ValueError, match="part_rows=0 must be at least 1"):
        row_ranges(5, 0)


def test_the_model_sent_as_text_predicts_exactly_as_the_original() -> None:
    model, features = scored_world()
    text, state = conversion_model_text(model)
    assert text.startswith("tree") and state.startswith("{")  # LightGBM text and JSON
    rebuilt = conversion_model_from_text(text, state)
    pd.testing.assert_frame_equal(score_leads(rebuilt, features, CLTV),
                                  score_leads(model, features, CLTV))


def test_parts_in_process_equal_one_call_on_every_row() -> None:
    model, features = scored_world()
    parts = InProcess(split=True)  # cut into parts, each scored from the model's text
    pd.testing.assert_frame_equal(score_in_parts(parts, model, features, CLTV, 997),
                                  score_leads(model, features, CLTV))
    pd.testing.assert_frame_equal(score_in_parts(parts, model, features, None, 4000),
                                  score_leads(model, features, None))
    with pytest.raises(ValueError, match="need at least one sample"):  # as on one machine
        score_in_parts(parts, model, features.iloc[:0], CLTV)


@pytest.mark.dask
def test_parts_on_dask_equal_one_call_on_every_row(client: Any) -> None:
    model, features = scored_world()
    got = score_in_parts(DaskTasks(client), model, features, CLTV, 997)  # 5 parts, 2 workers
    pd.testing.assert_frame_equal(got, score_leads(model, features, CLTV))
