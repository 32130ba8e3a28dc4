"""Lead scoring: reasons, expected value, and no leakage from post-outcome columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features._checks import MissingColumnsError
from features.leads import build_lead_features
from models.conversion.scoring import p_convert, score_leads, top_reasons
from models.conversion.training import ConversionSettings, train_conversion
from models.simulation.generator import simulate_world


def test_top_reasons_by_hand() -> None:
    contributions = pd.DataFrame({"channel": [0.5, -0.02], "score": [-0.8, 0.3],
                                  "webinar": [0.1, 0.0], "bias": [-2.0, -2.0]})
    values = pd.DataFrame({"channel": ["events", None], "score": [1.5, 72.0],
                           "webinar": [True, False]})
    reasons = top_reasons(contributions, values)
    assert reasons.iloc[0].tolist() == [
        "score=1.5 (-0.80)", "channel=events (+0.50)", "webinar=True (+0.10)"]
    assert reasons.iloc[1].tolist() == [
        "score=72 (+0.30)", "channel=missing (-0.02)", "webinar=False (+0.00)"]


def test_top_reasons_with_fewer_features_than_reasons() -> None:
    reasons = top_reasons(pd.DataFrame({"x": [0.2], "bias": [0.0]}), pd.DataFrame({"x": [3.0]}))
    assert reasons.iloc[0].tolist() == ["x=3 (+0.20)", "", ""]


@pytest.fixture(scope="module")
def small_world() -> pd.DataFrame:
    return simulate_world(42, "small").leads


def cutoff_of(leads: pd.DataFrame) -> pd.Timestamp:
    return leads["created_at"].max().normalize() + pd.Timedelta(days=1)


def with_outcome_columns(leads: pd.DataFrame) -> pd.DataFrame:
    """The leads plus columns that would give the outcome away if they reached the model."""
    won = leads["converted_at"].notna()
    return leads.assign(
        won=won,
        is_converted=won.astype(int),
        status=np.where(won, "won", "open"),
        stage=np.where(won, "closed_won", "lead"),
        deal_value=np.where(won, 1000.0, 0.0),
        won_at=leads["converted_at"],
        closed_at=leads["converted_at"],
        converted_at_utc=leads["converted_at"] + pd.Timedelta(hours=2),
    )


def test_post_outcome_columns_do_not_change_predictions(small_world: pd.DataFrame) -> None:
    cutoff = cutoff_of(small_world)
    leaky = with_outcome_columns(small_world)
    settings = ConversionSettings(model_params={"cv": 3})
    clean = train_conversion(small_world, build_lead_features(small_world, cutoff), cutoff,
                             settings, seed=0)
    dirty = train_conversion(leaky, build_lead_features(leaky, cutoff), cutoff, settings, seed=0)
    assert list(dirty.model.schema_.columns) == list(clean.model.schema_.columns)
    assert "customer_id" not in clean.model.schema_.columns
    pd.testing.assert_frame_equal(dirty.channel_conversion, clean.channel_conversion)
    scored_clean = score_leads(clean.model, build_lead_features(small_world, cutoff))
    scored_dirty = score_leads(clean.model, build_lead_features(leaky, cutoff))
    pd.testing.assert_frame_equal(scored_dirty, scored_clean)


def test_score_leads_expected_value_and_missing_columns(small_world: pd.DataFrame) -> None:
    cutoff = cutoff_of(small_world)
    features = build_lead_features(small_world, cutoff)
    model = train_conversion(small_world, features, cutoff,
                             ConversionSettings(model_params={"cv": 3}), seed=0).model
    head = features.head(40)
    cltv = pd.Series({"events": 1000.0, "organic": 500.0})
    scores = score_leads(model, head, cltv)
    assert list(scores.columns) == ["lead_id", "p_convert", "expected_value",
                                    "reason_1", "reason_2", "reason_3"]
    per_channel = head["channel"].map(cltv).to_numpy(dtype=float)
    np.testing.assert_allclose(scores["expected_value"], scores["p_convert"] * per_channel)
    assert scores["expected_value"].isna().sum() == np.isnan(per_channel).sum() > 0
    assert scores["reason_1"].str.match(r"^\w+=.+ \([+-]\d+\.\d\d\)$").all()
    without_cltv = score_leads(model, head)
    assert without_cltv["expected_value"].isna().all()
    with pytest.raises(MissingColumnsError, match="engagement_score"):
        score_leads(model, head.drop(columns="engagement_score"))
    none = p_convert(model, head.iloc[:0])  # e.g. no referred leads in the world
    assert none.empty and none.dtype == np.float64
