"""Validation and 0/1 encoding of binary classification targets, with scikit-learn's errors."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils import assert_all_finite, column_or_1d
from sklearn.utils.multiclass import check_classification_targets, type_of_target


def binary_targets(y: Any, n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Check a binary target and encode it as 0/1.

    Parameters
    ----------
    y : array-like of shape (n_rows,)
        Labels of exactly two classes (a column vector warns and is flattened).
    n_rows : int
        Rows of X, which y must match.

    Returns
    -------
    classes : np.ndarray
        The two sorted labels; ``classes[1]`` is the positive class.
    target : np.ndarray
        int64 0/1 per row.

    Raises
    ------
    ValueError
        On NaN, a regression target ("Unknown label type"), a multiclass target ("Only
        binary classification is supported"), a single class, or a length mismatch.
    """
    labels = column_or_1d(y, warn=True)
    if labels.shape[0] != n_rows:
        raise ValueError(
            f"Found input variables with inconsistent numbers of samples: [{n_rows}, "
            f"{labels.shape[0]}]"
        )
    assert_all_finite(labels, input_name="y")
    check_classification_targets(labels)
    kind = type_of_target(labels, input_name="y", raise_unknown=True)
    if kind != "binary":
        raise ValueError(
            f"Only binary classification is supported. The type of the target is {kind}."
        )
    classes, target = np.unique(labels, return_inverse=True)
    if classes.size < 2:
        raise ValueError(
            f"y has 1 class ({classes[0]!r}); fitting needs samples of 2 classes."
        )
    return classes, target.astype(np.int64)


def encode_labels(y: Any, classes: np.ndarray) -> np.ndarray:
    """Encode labels as 0/1 against fitted ``classes``.

    Parameters
    ----------
    y : array-like of shape (n,)
        Labels drawn from ``classes``.
    classes : np.ndarray
        The two fitted labels.

    Returns
    -------
    np.ndarray
        int64 0/1.

    Raises
    ------
    ValueError
        If a label is not one of ``classes``.
    """
    labels = column_or_1d(y)
    known = np.isin(labels, classes)
    if not known.all():
        raise ValueError(
            f"y holds labels not seen at fit, e.g. {labels[~known][0]!r}; "
            f"known: {classes.tolist()}"
        )
    return (labels == classes[1]).astype(np.int64)
