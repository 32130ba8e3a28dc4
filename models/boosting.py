"""The one LightGBM parameter builder and the one way to train a booster, for every model.

Every booster is deterministic for its seed (``deterministic`` with a forced histogram
layout) and silent; the caller adds only what its objective needs.
"""

from __future__ import annotations

from typing import Any, Literal

import lightgbm as lgb
import numpy as np
import pandas as pd


def lightgbm_params(
    objective: str,
    *,
    learning_rate: float,
    num_leaves: int,
    min_child_samples: int,
    seed: int,
    n_jobs: int,
    layout: Literal["row", "col"] = "row",
    **extra: Any,
) -> dict[str, Any]:
    """Return ``lightgbm.train`` parameters in LightGBM's own spelling.

    Parameters
    ----------
    objective : str
        ``binary``, ``poisson``, ``tweedie``, ``quantile``, ``regression`` ...
    learning_rate, num_leaves, min_child_samples : float, int, int
        Shrinkage, tree size and the smallest leaf (``min_data_in_leaf``).
    seed, n_jobs : int
        The one seed and the thread count (``num_threads``).
    layout : {"row", "col"}
        The histogram layout forced, so the same data give the same trees.
    **extra
        Objective-specific parameters (``alpha``, ``lambda_l2``, ``bagging_fraction`` ...).
    """
    return {
        "objective": objective,
        "learning_rate": learning_rate,
        "num_leaves": num_leaves,
        "min_data_in_leaf": min_child_samples,
        "seed": seed,
        "num_threads": n_jobs,
        "deterministic": True,
        f"force_{layout}_wise": True,
        "verbosity": -1,
    } | extra


def train_booster(
    data: pd.DataFrame | np.ndarray,
    target: np.ndarray,
    params: dict[str, Any],
    rounds: int,
    categorical: list[int] | list[str] | None = None,
    dataset_params: dict[str, Any] | None = None,
) -> lgb.Booster:
    """Train one booster for ``rounds`` rounds, ``categorical`` columns declared as such."""
    dataset = lgb.Dataset(data, label=target, categorical_feature=categorical or "auto",
                          params=dataset_params, free_raw_data=False)
    return lgb.train(params, dataset, num_boost_round=rounds)
