"""Grouped native TreeSHAP equals LightGBM's pred_contrib on every kind of split and value."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pytest

from models.explain.treeshap import Columns, Split, grouped_shap, path_groups, tree_splits


def _data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = np.column_stack([
        rng.integers(0, 8, n).astype(float),        # categorical
        rng.normal(size=n),                         # numeric with NaN
        np.where(rng.random(n) < 0.3, 0.0, rng.exponential(2.0, n)),  # many zeros
        rng.normal(size=n),
    ])
    x[rng.random(n) < 0.1, 1] = np.nan
    y = rng.poisson(np.exp(0.3 * (x[:, 0] % 3) + 0.2 * np.nan_to_num(x[:, 1]) + 0.1 * x[:, 2]
                           + 0.2 * x[:, 3])).astype(float)
    return x, y


def _booster(leaves: int, zero_as_missing: bool = False, rounds: int = 20) -> lgb.Booster:
    x, y = _data(3000)
    params = {"objective": "poisson", "num_leaves": leaves, "min_child_samples": 5,
              "min_data_per_group": 5, "cat_smooth": 1.0, "max_cat_to_onehot": 2,
              "zero_as_missing": zero_as_missing, "seed": 0, "deterministic": True,
              "verbose": -1, "num_threads": 1}
    return lgb.train(params, lgb.Dataset(x, y, categorical_feature=[0]), num_boost_round=rounds)


def _awkward_rows(n: int) -> np.ndarray:
    x, _ = _data(n, seed=1)
    x[::7, 0] = np.nan    # missing category
    x[1::7, 0] = -3.0     # negative category
    x[2::7, 0] = 2.7      # truncated to 2
    x[3::7, 0] = 99.0     # unseen category
    x[4::7, 0] = 1e12     # beyond int range
    x[5::7, 2] = np.nan   # NaN where training had none
    x[6::7, 3] = -0.0
    return x


@pytest.mark.parametrize(("leaves", "zero_as_missing"), [(7, False), (15, True), (40, False),
                                                         (80, False)])
def test_grouped_shap_equals_pred_contrib(leaves: int, zero_as_missing: bool) -> None:
    booster = _booster(leaves, zero_as_missing)
    rows = _awkward_rows(4000)
    reference = booster.predict(rows, pred_contrib=True)
    grouped = grouped_shap(booster, rows)
    assert grouped.shape == reference.shape
    assert np.abs(grouped - reference).max() <= 1e-9


def test_missing_types_are_all_exercised() -> None:
    kinds = {s.missing for splits in tree_splits(_booster(15, True)) for s in splits}
    kinds |= {s.missing for splits in tree_splits(_booster(15)) for s in splits}
    assert {"None", "Zero", "NaN"} <= kinds


def test_blocks_and_threads_give_the_same_values() -> None:
    booster = _booster(15)
    rows = _awkward_rows(3000)
    one = grouped_shap(booster, rows)
    many = grouped_shap(booster, rows, n_jobs=2, block_rows=700)
    assert np.array_equal(one, many)


def test_rows_on_the_same_path_share_a_group() -> None:
    columns = Columns(np.array([[0.5], [0.7], [2.0], [np.nan]]))
    split = Split(feature=0, categorical=False, threshold=1.0, levels=(), default_left=False,
                  missing="NaN")
    inverse, first = path_groups(columns, [split])
    assert inverse[0] == inverse[1] != inverse[2]
    assert inverse[3] == inverse[2]  # NaN goes to the default (right) side
    assert sorted(first.tolist()) == [0, 2]


def test_no_rows() -> None:
    assert grouped_shap(_booster(7, rounds=2), np.empty((0, 4))).shape == (0, 5)
