"""LightGBM's native TreeSHAP on many rows, computed once per distinct decision path of each tree.

Path-dependent TreeSHAP values of a row in one tree depend only on which way the row goes
at each of the tree's splits. A tree has at most ``num_leaves - 1`` splits, so rows fall into
a few hundred patterns; ``pred_contrib`` runs on one row of each pattern, tree by tree, and
the values are copied to the other rows. Every value is LightGBM's own, summed over trees in
order: the result equals ``Booster.predict(X, pred_contrib=True)`` up to rounding (~1e-14).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import lightgbm as lgb

ZERO = 1e-35  # LightGBM's kZeroThreshold: |x| <= it is zero for the "Zero" missing type
TABLE_BITS = 16  # trees with at most this many splits count patterns with a table


@dataclass(frozen=True)
class Split:
    """One split of a tree, as LightGBM decides it.

    Numeric: left when ``x <= threshold``; NaN becomes 0 unless ``missing == "NaN"``, and a
    missing value (NaN for "NaN", zero for "Zero") goes to the default side. Categorical:
    left when the integer part of ``x`` is one of ``levels``; NaN and negatives go right.
    """

    feature: int
    categorical: bool
    threshold: float
    levels: tuple[int, ...]
    default_left: bool
    missing: str


def tree_splits(booster: lgb.Booster) -> list[list[Split]]:
    """Every tree's splits, read from ``Booster.dump_model``."""
    trees = []
    for tree in booster.dump_model()["tree_info"]:
        splits, stack = [], [tree["tree_structure"]]
        while stack:
            node = stack.pop()
            if "split_feature" not in node:
                continue
            categorical = node["decision_type"] == "=="
            splits.append(Split(
                feature=int(node["split_feature"]), categorical=categorical,
                threshold=0.0 if categorical else float(node["threshold"]),
                levels=tuple(int(v) for v in str(node["threshold"]).split("||"))
                if categorical else (),
                default_left=bool(node["default_left"]), missing=str(node["missing_type"])))
            stack += [node["left_child"], node["right_child"]]
        trees.append(splits)
    return trees


class Columns:
    """Per-feature views of a block of rows, computed once and shared by all trees."""

    def __init__(self, matrix: np.ndarray) -> None:
        self.matrix = matrix
        self.columns = [np.ascontiguousarray(matrix[:, f]) for f in range(matrix.shape[1])]
        self._nan: dict[int, np.ndarray | None] = {}
        self._whole: dict[int, np.ndarray] = {}

    def nan(self, feature: int) -> np.ndarray | None:
        """Return where the feature is NaN; None when it never is."""
        if feature not in self._nan:
            mask = np.isnan(self.columns[feature])
            self._nan[feature] = mask if mask.any() else None
        return self._nan[feature]

    def whole(self, feature: int) -> np.ndarray:
        """Return the integer part of the feature, -1 where LightGBM sends a category right."""
        if feature not in self._whole:
            values = self.columns[feature]
            safe = (values > -1.0) & (values < 2.0**31)  # False for NaN
            whole = np.full(values.shape, -1, dtype=np.int64)
            whole[safe] = np.trunc(values[safe]).astype(np.int64)
            self._whole[feature] = whole
        return self._whole[feature]


def goes_left(columns: Columns, split: Split, out: np.ndarray) -> None:
    """Write whether each row goes left at ``split`` into ``out`` (LightGBM's decision rules)."""
    if split.categorical:
        whole = columns.whole(split.feature)
        table = np.zeros(max(split.levels, default=0) + 2, dtype=bool)
        table[list(split.levels)] = True
        np.take(table, np.clip(whole, -1, len(table) - 1), out=out)  # -1 reads the last: False
        return
    values = columns.columns[split.feature]
    np.less_equal(values, split.threshold, out=out)
    nan = columns.nan(split.feature)
    if split.missing == "Zero":
        zero = np.abs(values) <= ZERO
        out[zero if nan is None else zero | nan] = split.default_left
    elif nan is not None:
        out[nan] = split.default_left if split.missing == "NaN" else 0.0 <= split.threshold


def path_groups(columns: Columns, splits: list[Split]) -> tuple[np.ndarray, np.ndarray]:
    """Group rows by their decision at every split of one tree.

    Returns
    -------
    tuple of (numpy.ndarray, numpy.ndarray)
        ``inverse`` (each row's group, 0..k-1) and ``first`` (one row of each group).
    """
    n = columns.matrix.shape[0]
    left = np.empty(n, dtype=bool)
    words = [np.zeros(n, dtype=np.uint64) for _ in range(max(1, -(-len(splits) // 63)))]
    for position, split in enumerate(splits):
        goes_left(columns, split, left)
        word, bit = divmod(position, 63)
        words[word] |= left.astype(np.uint64) << np.uint64(bit)
    if len(splits) <= TABLE_BITS:
        code = words[0].astype(np.int64)
        lookup = np.full(1 << len(splits), -1, dtype=np.int64)
        present = np.flatnonzero(np.bincount(code, minlength=len(lookup)))
        lookup[present] = np.arange(len(present))
        inverse = lookup[code]
    elif len(words) == 1:
        inverse = pd.factorize(words[0])[0].astype(np.int64)
    else:
        inverse = pd.factorize(pd.MultiIndex.from_arrays(words))[0].astype(np.int64)
    first = np.empty(int(inverse.max()) + 1 if n else 0, dtype=np.int64)
    first[inverse[::-1]] = np.arange(n - 1, -1, -1)
    return inverse, first


def _explain_block(booster: lgb.Booster, matrix: np.ndarray, trees: list[list[Split]],
                   lock: threading.Lock) -> np.ndarray:
    """SHAP values and bias of one block of rows, shape ``(features + 1, rows)``."""
    n, p = matrix.shape
    out = np.zeros((p + 1, n))
    columns = Columns(matrix)
    for tree, splits in enumerate(trees):
        inverse, first = path_groups(columns, splits)
        with lock:  # a Booster's iteration range is shared state: one predict at a time
            contrib: Any = booster.predict(matrix[first], pred_contrib=True,
                                           start_iteration=tree, num_iteration=1, num_threads=1)
        contrib = np.asarray(contrib)
        for feature in sorted({s.feature for s in splits}):
            out[feature] += np.ascontiguousarray(contrib[:, feature])[inverse]
        out[p] += contrib[0, p]
    return out


def grouped_shap(
    booster: lgb.Booster, matrix: np.ndarray, n_jobs: int = 1, block_rows: int = 131_072
) -> np.ndarray:
    """Native TreeSHAP of every row, one ``pred_contrib`` call per tree on its distinct paths.

    Parameters
    ----------
    booster : lightgbm.Booster
        A single-output model without linear trees.
    matrix : numpy.ndarray
        Float rows, shape ``(rows, features)``, columns in the model's order.
    n_jobs : int
        Threads; blocks of ``block_rows`` rows are explained in parallel.
    block_rows : int
        Rows per block: bounds the memory of the per-tree decisions.

    Returns
    -------
    numpy.ndarray
        Shape ``(rows, features + 1)``: SHAP values then the bias, as ``pred_contrib``.
    """
    matrix = np.ascontiguousarray(matrix, dtype=np.float64)
    trees, lock = tree_splits(booster), threading.Lock()
    blocks = [matrix[s:s + block_rows] for s in range(0, matrix.shape[0], block_rows)]
    with ThreadPoolExecutor(max_workers=max(1, n_jobs)) as pool:
        parts = list(pool.map(lambda block: _explain_block(booster, block, trees, lock), blocks))
    if not parts:
        return np.zeros((0, matrix.shape[1] + 1))
    return np.ascontiguousarray(np.concatenate(parts, axis=1).T)
