"""The LightGBM CLTV model: cutoff schedule, scaled windows, leakage, persistence."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features._checks import MissingColumnsError
from features.contract import value_column
from features.customers import build_customer_features
from models.cltv.model import CLTVConfig, CLTVModel, conformal_shift, stack_training_rows
from models.cltv.rows import (
    CutoffPlan,
    feature_columns,
    fit_btyd,
    plan_cutoffs,
    training_rows,
    window_scale,
)
from models.simulation.generator import simulate_world

END = pd.Timestamp("2025-12-29")
FAST = CLTVConfig(n_estimators=40, max_cutoffs=2, random_state=3)


@cache
def small_world() -> tuple[pd.DataFrame, pd.DataFrame]:
    world = simulate_world(42, "small")
    return world.customers, world.orders


def day(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def test_long_history_stacks_full_windows_ending_a_horizon_before_as_of() -> None:
    # 731 days of history >= 2 x 365: cutoffs from as_of - 365, every 90 days back
    plans = plan_cutoffs(day("2023-01-01"), day("2025-01-01"), 365, 90, 3, 90, 90)
    assert plans == [CutoffPlan(day("2024-01-02"), 365), CutoffPlan(day("2023-10-04"), 365),
                     CutoffPlan(day("2023-07-06"), 365)]


def test_short_history_uses_windows_that_end_at_as_of() -> None:
    # 274 days < 2 x 273: windows of 90, 150 and 210 days; the next cutoff would have
    # 4 days of history, under the 60 required
    plans = plan_cutoffs(day("2024-01-01"), day("2024-10-01"), 273, 60, 8, 60, 90)
    assert plans == [CutoffPlan(day("2024-07-03"), 90), CutoffPlan(day("2024-05-04"), 150),
                     CutoffPlan(day("2024-03-05"), 210)]
    assert plan_cutoffs(day("2024-01-01"), day("2024-03-01"), 273, 30, 8, 60, 90) == []


def test_window_scale_is_between_one_and_the_flat_ratio() -> None:
    customers, orders = small_world()
    features = build_customer_features(customers, orders, day("2025-01-01"))
    btyd = fit_btyd(features, 0, None)
    assert (window_scale(features, btyd, 365, 365) == 1.0).all()
    scale = window_scale(features, btyd, 90, 365)
    # expected purchases are concave in time, so the ratio never exceeds 365 / 90
    assert (scale >= 1.0 - 1e-9).all() and (scale <= 365 / 90 + 1e-9).all()


def test_training_rows_label_the_window_after_the_cutoff() -> None:
    customers, orders = small_world()
    plan = CutoffPlan(day("2024-06-01"), 365)
    rows = training_rows(customers, orders, plan, 365, "revenue", 0, None)
    window = orders[(orders["ordered_at"] >= plan.cutoff)
                    & (orders["ordered_at"] < plan.cutoff + pd.Timedelta(days=365))]
    acquired = set(customers.loc[customers["acquired_at"] < plan.cutoff, "customer_id"])
    expected = window.loc[window["customer_id"].isin(acquired), "revenue"].sum()
    assert rows["target"].sum() == pytest.approx(expected)
    assert {"btyd_value", "p_alive", "repeat_rate"} <= set(rows.columns)


def test_predictions_ignore_orders_after_the_cutoff() -> None:
    customers, orders = small_world()
    cutoff = day("2025-03-01")
    before = CLTVModel(FAST).fit(customers, orders, cutoff).predict(customers, orders, cutoff)
    later = orders["ordered_at"] >= cutoff
    altered = orders.assign(revenue=np.where(later, orders["revenue"] * 7 + 1, orders["revenue"]))
    altered = altered.loc[~later | (np.arange(len(orders)) % 2 == 0)]
    after = CLTVModel(FAST).fit(customers, altered, cutoff).predict(customers, altered, cutoff)
    pd.testing.assert_frame_equal(before, after)


def test_saved_model_predicts_the_same_after_loading(tmp_path: Path) -> None:
    customers, orders = small_world()
    model = CLTVModel(FAST).fit(customers, orders, END)
    model.save(tmp_path / "cltv")
    loaded = CLTVModel.load(tmp_path / "cltv")
    pd.testing.assert_frame_equal(model.predict(customers, orders, END),
                                  loaded.predict(customers, orders, END))
    assert {p.name for p in (tmp_path / "cltv").iterdir()} == {
        "model.txt", "model.json", "lower.txt", "lower.json", "upper.txt", "upper.json"}
    assert loaded.cutoffs_ == model.cutoffs_


def test_same_inputs_give_identical_models() -> None:
    customers, orders = small_world()
    first = CLTVModel(FAST).fit(customers, orders, END)
    second = CLTVModel(FAST).fit(customers, orders, END)
    assert first.booster_.model_to_string() == second.booster_.model_to_string()


def test_predictions_are_non_negative_with_ordered_intervals() -> None:
    customers, orders = small_world()
    scored = CLTVModel(FAST).fit(customers, orders, END).predict(customers, orders, END)
    assert len(scored) == (customers["acquired_at"] < END).sum()
    assert (scored["predicted_value"] > 0).all()
    assert (0 <= scored["predicted_p10"]).all()
    assert (scored["predicted_p10"] <= scored["predicted_p90"]).all()
    assert scored["p_alive"].between(0, 1).all()


def test_missing_revenue_column_is_named() -> None:
    customers, orders = small_world()
    with pytest.raises(MissingColumnsError, match="revenue"):
        CLTVModel(FAST).fit(customers, orders.drop(columns="revenue"), END)


def test_too_short_history_is_an_error() -> None:
    customers, orders = small_world()
    with pytest.raises(ValueError, match="too short"):
        CLTVModel(FAST).fit(customers, orders, day("2023-03-01"))


def test_feature_columns_skip_ids_dates_and_free_text() -> None:
    frame = pd.DataFrame({
        "customer_id": ["a", "b", "c"], "acquired_at": pd.to_datetime(["2024-01-01"] * 3),
        "channel": ["x", "y", "x"], "email": ["1", "2", "3"], "constant": ["k", "k", "k"],
        "amount": [1.0, 2.0, 3.0],
    })
    assert feature_columns(frame, ("customer_id",), max_levels=2) == ["channel", "amount"]


def test_conformal_shift_by_hand() -> None:
    # scores max(lo - y, y - hi): -1, 2, 0, 5; the 0.5 level with n = 4 uses 0.625 -> 2
    target = np.array([1.0, 6.0, 3.0, 10.0])
    shift = conformal_shift(target, np.array([0.0, 2.0, 3.0, 2.0]), np.array([2.0, 4.0, 3.0, 5.0]),
                            0.5)
    assert shift == 2.0


def test_margin_is_the_value_when_present() -> None:
    customers, orders = small_world()
    with_margin = orders.assign(margin=orders["revenue"] * 0.5)
    assert value_column(with_margin) == "margin" and value_column(orders) == "revenue"
    # Poisson with a log link is equivariant: halving every label halves every prediction.
    margin = CLTVModel(replace(FAST, value_col="margin")).fit(customers, with_margin, END)
    revenue = CLTVModel(FAST).fit(customers, orders, END)
    np.testing.assert_allclose(margin.predict(customers, with_margin, END)["predicted_value"],
                               0.5 * revenue.predict(customers, orders, END)["predicted_value"],
                               rtol=1e-3)


def test_a_capped_cutoff_builds_features_for_its_sample_only() -> None:
    # max_train_rows below the customers: each cutoff samples customers before building
    # features; the sample is the one drawn from the full feature rows (same positions among
    # the customers acquired before the cutoff, by id), and their RFM features are unchanged
    customers, orders = small_world()
    config = replace(FAST, max_train_rows=200)
    plans = [CutoffPlan(day("2024-06-01"), 365), CutoffPlan(day("2024-09-01"), 365)]
    rows = stack_training_rows(customers, orders, plans, config)
    rng = np.random.default_rng(config.random_state)
    for plan, part in zip(plans, [rows.loc[rows["cutoff"] == p.cutoff] for p in plans],
                          strict=True):
        full = training_rows(customers, orders, plan, 365, "revenue", 3, None)
        assert len(full) > 100
        keep = np.sort(rng.choice(len(full), size=100, replace=False))
        expected = full.iloc[keep].reset_index(drop=True)
        got = part.reset_index(drop=True)
        assert got["customer_id"].tolist() == expected["customer_id"].tolist()
        rfm = ["n_orders", "frequency", "recency_days", "T_days", "window_value", "tenure_days"]
        pd.testing.assert_frame_equal(got[rfm], expected[rfm])
