"""Censoring-aware training rows, time slices, open leads, funnel rates and P per channel."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.leads import build_lead_features
from models.conversion.funnel import channel_conversion, funnel_metrics, wilson_interval
from models.conversion.rows import (
    labelled_leads,
    open_lead_ids,
    sample_training_rows,
    split_by_time,
)

CUTOFF = pd.Timestamp("2024-06-01")  # a 120-day window closes for leads created <= 2024-02-02
NaT = pd.NaT


def leads() -> pd.DataFrame:
    stamp = pd.Timestamp
    return pd.DataFrame({
        "lead_id": ["L1", "L2", "L3", "L4", "L5", "L6", "L7"],
        "created_at": [stamp("2024-01-01"), stamp("2024-01-10"), stamp("2024-01-05"),
                       stamp("2024-05-01"), stamp("2024-05-01 12:00"), stamp("2024-06-05"),
                       stamp("2023-12-01")],
        "channel": ["a", "b", "a", "b", "a", "a", "b"],
        "engagement_score": [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0],
        "converted_at": [stamp("2024-02-01"), NaT, stamp("2024-06-10"), NaT,
                         stamp("2024-05-20"), NaT, stamp("2024-05-15")],
    })


def test_censored_and_young_leads_are_left_out_of_training() -> None:
    frame = leads()
    rows = labelled_leads(frame, build_lead_features(frame, CUTOFF), CUTOFF, 120)
    # L4 is censored (young, not converted). L5 is young and converted: keeping it while
    # dropping L4 would inflate the conversion rate, so it goes too. L6 is after the cutoff.
    assert rows["lead_id"].tolist() == ["L7", "L1", "L3", "L2"]  # by created_at
    # L7 converted after 166 days (> window); L3 converted after the cutoff
    assert rows["converted"].tolist() == [0, 1, 0, 0]
    assert "converted_at" not in rows.columns


def test_open_leads_are_the_censored_ones() -> None:
    assert open_lead_ids(leads(), CUTOFF, 120).tolist() == ["L4"]


def test_split_by_time_keeps_the_newest_for_validation() -> None:
    rows = pd.DataFrame({"created_at": pd.date_range("2024-01-01", periods=10), "x": range(10)})
    slices = split_by_time(rows, calibration_fraction=0.2, validation_fraction=0.3)
    assert slices.train["x"].tolist() == [0, 1, 2, 3, 4]
    assert slices.calibration["x"].tolist() == [5, 6]
    assert slices.validation["x"].tolist() == [7, 8, 9]
    with pytest.raises(ValueError, match="too few"):
        split_by_time(rows.head(2), 0.2, 0.3)


def funnel_leads() -> pd.DataFrame:
    stamp = pd.Timestamp
    return pd.DataFrame({
        "lead_id": ["A", "B", "C", "D", "E", "F"],
        "created_at": [stamp(f"2024-01-0{day}") for day in range(1, 6)] + [stamp("2024-05-01")],
        "channel": ["x", "x", "x", "y", "y", "x"],
        "team": ["t1", "t1", "t2", "t2", "t2", "t1"],
        "mql_at": [stamp("2024-01-05"), stamp("2024-01-03"), stamp("2024-01-04"), NaT,
                   stamp("2024-01-06"), stamp("2024-05-02")],
        "sql_at": [stamp("2024-01-10"), stamp("2024-01-04"), NaT, NaT, stamp("2024-01-07"),
                   stamp("2024-05-03")],
        "converted_at": [stamp("2024-01-21"), NaT, NaT, NaT, stamp("2024-01-15"),
                         stamp("2024-05-04")],
    })


def test_funnel_metrics_by_hand() -> None:
    table = funnel_metrics(funnel_leads(), CUTOFF, 120).set_index(["level", "key"])
    # F is young: left out. x = A, B, C: 3 MQLs, 2 SQLs, 1 won after 20 days
    assert table.loc[("channel", "x")].tolist() == pytest.approx([3, 2 / 3, 1 / 2, 20.0])
    assert table.loc[("channel", "y")].tolist() == pytest.approx([2, 1.0, 1.0, 10.0])
    assert table.loc[("team", "t1")].tolist() == pytest.approx([2, 1.0, 1 / 2, 20.0])
    assert table.loc[("team", "t2")].tolist() == pytest.approx([3, 1 / 2, 1.0, 10.0])


def test_funnel_metrics_without_milestones_are_nan() -> None:
    table = funnel_metrics(funnel_leads()[["lead_id", "created_at", "channel"]], CUTOFF, 120)
    assert table["level"].tolist() == ["channel", "channel"]
    assert table[["mql_to_sql_rate", "sql_to_won_rate", "median_days_to_convert"]].isna().all(
        axis=None)


def test_wilson_interval_by_hand() -> None:
    low, high = wilson_interval(np.array([0.5, 0.0]), np.array([100, 10]))
    assert low[0] == pytest.approx(0.4038, abs=1e-4)
    assert high[0] == pytest.approx(0.5962, abs=1e-4)
    assert low[1] == 0.0 and high[1] == pytest.approx(0.2775, abs=1e-4)


def test_channel_conversion_is_the_mean_probability() -> None:
    table = channel_conversion(pd.Series(["b", "a", "a"]), np.array([0.5, 0.1, 0.3]))
    assert table["channel"].tolist() == ["a", "b"]
    assert table["p_convert"].tolist() == pytest.approx([0.2, 0.5])
    assert table["leads"].tolist() == [2, 1]
    assert (table["p_convert_low"] <= table["p_convert"]).all()
    assert (table["p_convert"] <= table["p_convert_high"]).all()


def test_training_sample_keeps_every_row_up_to_the_cap() -> None:
    target = np.array([0, 1, 0, 0, 1])
    np.testing.assert_array_equal(sample_training_rows(target, 5, seed=0), np.arange(5))
    np.testing.assert_array_equal(sample_training_rows(target, None, seed=0), np.arange(5))


def test_training_sample_is_exact_stratified_sorted_and_seeded() -> None:
    target = (np.random.default_rng(1).random(10_000) < 0.03).astype(int)  # 3% positives
    rows = sample_training_rows(target, 1_000, seed=7)
    assert rows.size == np.unique(rows).size == 1_000
    assert (np.diff(rows) > 0).all()  # sorted: a slice sorted by time stays so
    assert target[rows].sum() == round(1_000 * target.mean())  # each class keeps its share
    np.testing.assert_array_equal(sample_training_rows(target, 1_000, seed=7), rows)
    assert not np.array_equal(sample_training_rows(target, 1_000, seed=8), rows)


def test_training_sample_keeps_both_classes() -> None:
    target = np.zeros(1_000, dtype=int)
    target[[10, 500]] = 1  # 0.2% positives: 0.2 of 100 rows would round to none
    rows = sample_training_rows(target, 100, seed=0)
    assert rows.size == 100 and target[rows].sum() == 1
    assert sample_training_rows(np.zeros(50, dtype=int), 10, seed=0).size == 10  # one class only
    with pytest.raises(ValueError, match="max_rows"):
        sample_training_rows(target, 1, seed=0)
