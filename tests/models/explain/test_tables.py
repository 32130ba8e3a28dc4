"""Native TreeSHAP against shap and exact Shapley values; importance, channel means, figures."""

from __future__ import annotations

import math
from itertools import combinations
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
import shap

from models.explain.plots import explanation_figures, swarm_offsets, waterfall_steps
from models.explain.tables import (
    Explanation,
    Link,
    check_columns,
    dependence_data,
    explain,
    explanation_frame,
    explanation_from_frame,
    explanation_tables,
    global_importance,
    group_mean_shap,
    group_summary,
    link_of,
    native_shap,
    sample_rows,
    value_labels,
)

LEVELS = ("affiliate", "events", "search", "social")


def _frame(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "channel": rng.integers(0, len(LEVELS), n).astype(np.float64),
        "recency": rng.exponential(30.0, n),
        "orders": rng.poisson(2.0, n).astype(np.float64),
    })


def _booster(objective: str, categorical: bool, n: int = 600, rounds: int = 25) -> lgb.Booster:
    frame = _frame(n)
    rng = np.random.default_rng(1)
    signal = 0.4 * (frame["channel"] == 1) - 0.01 * frame["recency"] + 0.3 * frame["orders"]
    if objective == "binary":
        label = (rng.random(n) < 1 / (1 + np.exp(-(signal - 0.5)))).astype(float)
    else:
        label = rng.poisson(np.exp(signal + 1.0)).astype(float)
    params = {"objective": objective, "num_leaves": 7, "min_child_samples": 10, "seed": 0,
              "deterministic": True, "verbose": -1, "num_threads": 1}
    data = lgb.Dataset(frame, label=label, categorical_feature=["channel"] if categorical else [])
    return lgb.train(params, data, num_boost_round=rounds)


@pytest.mark.parametrize("grouped", [False, True], ids=["pred_contrib", "grouped"])
@pytest.mark.parametrize("objective", ["poisson", "tweedie", "binary"])
def test_native_shap_matches_shap_tree_explainer(objective: str, grouped: bool) -> None:
    booster = _booster(objective, categorical=True)
    rows = _frame(300, seed=5)
    values, base = native_shap(booster, rows, grouped=grouped)
    explainer = shap.TreeExplainer(booster)  # raw output: log value / log-odds, as ours
    reference = np.asarray(explainer.shap_values(rows))
    assert reference.shape == values.shape
    assert np.abs(reference - values).max() <= 1e-6
    assert abs(float(np.ravel(explainer.expected_value)[0]) - base) <= 1e-6


@pytest.mark.parametrize("objective", ["poisson", "binary"])
def test_native_shap_matches_shaps_own_tree_shap_algorithm(objective: str) -> None:
    # TreeExplainer hands a LightGBM Booster to LightGBM's pred_contrib, so the test above
    # compares LightGBM with itself; shap's own C++ TreeSHAP ("internal") is independent.
    # It misreads LightGBM categorical splits, hence numeric features here.
    booster = _booster(objective, categorical=False)
    rows = _frame(300, seed=6)
    values, base = native_shap(booster, rows, grouped=True)
    explainer = shap.TreeExplainer(booster)
    explainer.model.model_type = "internal"
    reference = np.asarray(explainer.shap_values(rows.to_numpy(), check_additivity=False))
    assert np.abs(reference - values).max() <= 1e-6
    assert abs(float(np.ravel(explainer.expected_value)[0]) - base) <= 1e-6


def _node_value(node: dict[str, Any], x: np.ndarray, known: set[int]) -> float:
    """E[tree(x) | x_known] with unknown features averaged by training cover (path-dependent)."""
    if "leaf_value" in node:
        return float(node["leaf_value"])
    left, right = node["left_child"], node["right_child"]
    feature = node["split_feature"]
    if feature in known:
        if node["decision_type"] == "==":
            goes_left = str(int(x[feature])) in str(node["threshold"]).split("||")
        else:
            goes_left = x[feature] <= node["threshold"]
        return _node_value(left if goes_left else right, x, known)
    counts = [child.get("leaf_count", child.get("internal_count")) for child in (left, right)]
    return (counts[0] * _node_value(left, x, known)
            + counts[1] * _node_value(right, x, known)) / sum(counts)


def _exact_shapley(trees: list[dict[str, Any]], x: np.ndarray) -> np.ndarray:
    m = len(x)
    phi = np.zeros(m)
    for i in range(m):
        others = [j for j in range(m) if j != i]
        for size in range(m):
            weight = math.factorial(size) * math.factorial(m - size - 1) / math.factorial(m)
            for subset in combinations(others, size):
                known = set(subset)
                phi[i] += weight * sum(_node_value(t, x, known | {i}) - _node_value(t, x, known)
                                       for t in trees)
    return phi


def test_native_shap_equals_exact_shapley_values_with_categorical_splits() -> None:
    booster = _booster("poisson", categorical=True, rounds=8)
    trees = [tree["tree_structure"] for tree in booster.dump_model()["tree_info"]]
    rows = _frame(12, seed=7)
    values, _ = native_shap(booster, rows, grouped=True)
    exact = np.array([_exact_shapley(trees, row) for row in rows.to_numpy()])
    assert np.abs(exact - values).max() <= 1e-9


def test_shap_values_add_up_to_the_raw_score() -> None:
    booster = _booster("poisson", categorical=True)
    rows = _frame(200, seed=8)
    explanation = explain(booster, rows, "cltv")
    raw = booster.predict(rows.to_numpy(), raw_score=True)
    assert np.allclose(explanation.raw_score, raw, atol=1e-9)
    assert explanation.link is Link.LOG
    assert np.allclose(explanation.link.inverse(explanation.raw_score), booster.predict(rows))


def test_native_shap_rejects_wrong_columns_and_no_rows() -> None:
    booster = _booster("poisson", categorical=False, rounds=2)
    with pytest.raises(ValueError, match="columns in order"):
        native_shap(booster, _frame(5)[["recency", "channel", "orders"]])
    with pytest.raises(ValueError, match="no rows"):
        native_shap(booster, _frame(5).iloc[:0])
    check_columns(["Column_0", "Column_1"], ["a", "b"])  # a matrix-trained model: count only
    check_columns(["first_day"], ["first day"])  # LightGBM writes whitespace as _


def test_link_of_objectives() -> None:
    assert link_of("poisson") is Link.LOG
    assert link_of("tweedie") is Link.LOG
    assert link_of("binary sigmoid:1") is Link.LOGIT
    assert link_of("quantile") is Link.IDENTITY


def _tiny() -> Explanation:
    return Explanation(
        model="tiny",
        values=pd.DataFrame({"a": [1.0, 3.0, -1.0, 1.0], "b": [-2.0, 0.0, 0.0, 2.0]}),
        features=pd.DataFrame({"a": [0.0, 1.0, np.nan, 1.0], "b": [10.0, 20.0, 30.0, 40.0]}),
        base_value=0.5, link=Link.LOG,
        groups=pd.Series(["x", "x", "y", "y"]), categories={"a": ("low", "high")},
    )


def test_global_importance_by_hand() -> None:
    table = global_importance(_tiny())
    # mean |a| = (1 + 3 + 1 + 1) / 4 = 1.5; mean |b| = (2 + 0 + 0 + 2) / 4 = 1.0
    assert table["feature"].tolist() == ["a", "b"]
    assert table["mean_abs_shap"].tolist() == [1.5, 1.0]
    assert table["share"].tolist() == pytest.approx([0.6, 0.4])
    assert table["rank"].tolist() == [1, 2]


def test_group_mean_shap_splits_the_gap_to_the_average_by_feature() -> None:
    explanation = _tiny()
    table = group_mean_shap(explanation).set_index(["channel", "feature"])
    # channel x: a = (1 + 3) / 2 = 2, b = (-2 + 0) / 2 = -1; overall a = 1, b = 0
    assert table.loc[("x", "a"), "mean_shap"] == 2.0
    assert table.loc[("x", "b"), "mean_shap"] == -1.0
    assert table.loc[("x", "a"), "vs_all"] == 1.0
    assert table.loc[("y", "a"), "vs_all"] == -1.0
    assert table.loc[("x", "a"), "rows"] == 2
    summary = group_summary(explanation).set_index("channel")
    raw = pd.Series(explanation.raw_score)
    gap = table.xs("x", level="channel")["vs_all"].sum()
    assert summary.loc["x", "mean_raw_score"] - raw.mean() == pytest.approx(gap)
    assert summary.loc["x", "mean_output"] == pytest.approx(np.exp([-0.5, 3.5]).mean())


def test_group_mean_shap_needs_groups() -> None:
    explanation = _tiny()
    without = Explanation("tiny", explanation.values, explanation.features, 0.0, Link.LOG)
    with pytest.raises(ValueError, match="no groups"):
        group_mean_shap(without)


def test_value_labels_decode_categories_and_missing() -> None:
    labels = value_labels(pd.Series([0.0, 1.0, np.nan, 7.0]), ("low", "high"))
    assert labels.tolist() == ["low", "high", "missing", "missing"]
    assert value_labels(pd.Series([2.5, np.nan]), None).tolist() == ["2.5", "missing"]


def test_dependence_data_orders_features_by_importance() -> None:
    table = dependence_data(_tiny(), top=1)
    assert set(table["feature"]) == {"a"}
    assert table["value_label"].tolist() == ["low", "high", "missing", "high"]
    assert table["shap"].tolist() == [1.0, 3.0, -1.0, 1.0]


def test_explanation_frame_round_trips() -> None:
    explanation = _tiny()
    back = explanation_from_frame(explanation_frame(explanation), "tiny", Link.LOG)
    pd.testing.assert_frame_equal(back.values, explanation.values)
    pd.testing.assert_frame_equal(back.features, explanation.features)
    assert back.groups is not None and back.groups.tolist() == ["x", "x", "y", "y"]
    assert back.base_value == 0.5


def test_sample_rows_is_seeded_sorted_and_capped() -> None:
    first, second = sample_rows(1000, 10, seed=3), sample_rows(1000, 10, seed=3)
    assert np.array_equal(first, second)
    assert len(first) == 10 and np.all(np.diff(first) > 0)
    assert np.array_equal(sample_rows(5, 10, seed=3), np.arange(5))


def test_waterfall_steps_fold_the_rest_into_one_step() -> None:
    means = pd.DataFrame({"feature": ["a", "b", "c", "d"], "vs_all": [0.1, -0.5, 0.2, 0.05]})
    steps = waterfall_steps(means, top=2)
    assert steps["feature"].tolist() == ["b", "c", "2 other features"]
    assert steps["vs_all"].sum() == pytest.approx(means["vs_all"].sum())


def test_swarm_offsets_spread_ties_and_stay_in_width() -> None:
    offsets = swarm_offsets(np.zeros(5), width=0.4)
    assert sorted(offsets.tolist()) == pytest.approx([-0.4, -0.2, 0.0, 0.2, 0.4])
    assert swarm_offsets(np.array([])).size == 0


def test_figures_are_png_and_identical_on_a_rerun() -> None:
    booster = _booster("poisson", categorical=True, rounds=5)
    rows = _frame(150, seed=9)
    groups = pd.Series(np.asarray(LEVELS)[rows["channel"].astype(int)])
    explanation = explain(booster, rows, "cltv", groups, {"channel": LEVELS})
    tables = explanation_tables(explanation, top=2)
    assert set(tables) == {"importance", "dependence", "shap", "by_channel", "channels"}
    first = explanation_figures(explanation, tables, plot_rows=100, seed=0, top=3)
    second = explanation_figures(explanation, tables, plot_rows=100, seed=0, top=3)
    assert set(first) == {"beeswarm", "bar", "dependence", "waterfalls"}
    assert all(png.startswith(b"\x89PNG") for png in first.values())
    assert first == second
