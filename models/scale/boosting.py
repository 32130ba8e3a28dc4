"""LightGBM on Dask: training from an explicit initial score; scoring and SHAP from the text.

``lightgbm.dask`` computes the automatic initial score (``boost_from_average``) per worker,
so it is given explicitly, and then added to the first tree's leaves, as LightGBM itself does
on one machine: the saved text model is self-contained and predicts like any other booster.
``lightgbm.dask`` has no early stopping, so the number of rounds is fixed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from models.scale.cluster import LIGHTGBM_TIMEOUT_MINUTES

if TYPE_CHECKING:
    import dask.dataframe as dd
    from distributed import Client

# Set per worker by lightgbm.dask, or never to be set on a LocalCluster (free ports are found).
_DASK_OWNED = ("num_threads", "machines", "local_listen_port", "num_machines")


def log_mean_init(total: float, count: int) -> float:
    """Return the initial raw score of a log-link model: the log of the mean target."""
    mean = total / count if count else 0.0
    return float(np.log(max(mean, 1e-12)))


def bake_init_score(booster: lgb.Booster, init: float) -> lgb.Booster:
    """Add ``init`` to every leaf of the first tree, so the model predicts without it."""
    leaves = booster.dump_model(num_iteration=1)["tree_info"][0]["num_leaves"]
    for leaf in range(int(leaves)):
        booster.set_leaf_output(0, leaf, booster.get_leaf_output(0, leaf) + init)
    return lgb.Booster(model_str=booster.model_to_string())


def dask_params(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters of :func:`models.boosting.lightgbm_params` made fit for ``lightgbm.dask``."""
    kept = {key: value for key, value in params.items() if key not in _DASK_OWNED}
    return kept | {"time_out": LIGHTGBM_TIMEOUT_MINUTES}


def fit_dask_booster(
    client: Client, features: dd.DataFrame, target: dd.Series, params: dict[str, Any],
    rounds: int, categorical: list[str], init: float,
) -> lgb.Booster:
    """Train ``rounds`` rounds with ``lightgbm.dask`` from the constant raw score ``init``.

    Parameters
    ----------
    client : distributed.Client
        The cluster; each worker trains on the partitions it holds.
    features, target : dask DataFrame and Series
        Encoded features and the target, partitioned alike.
    params : dict
        From :func:`models.boosting.lightgbm_params`.
    rounds : int
        Boosting rounds (no early stopping on Dask).
    categorical : list of str
        Columns declared categorical.
    init : float
        The initial raw score of every row.

    Returns
    -------
    lightgbm.Booster
        With ``init`` baked into its first tree.
    """
    import warnings

    from lightgbm.dask import DaskLGBMRegressor

    init_score = target.map_partitions(_constant, init, meta=("init_score", "f8"))
    estimator = DaskLGBMRegressor(client=client, n_estimators=rounds, **dask_params(params))
    with warnings.catch_warnings():  # "n_jobs will be ignored": Dask sets threads per worker
        warnings.simplefilter("ignore", UserWarning)
        estimator.fit(features, target, init_score=init_score, categorical_feature=categorical)
    return bake_init_score(estimator.booster_, init)


def _constant(part: pd.Series, value: float) -> pd.Series:
    return pd.Series(np.full(len(part), value), index=part.index, name="init_score")


def predict_text(model_text: str, features: pd.DataFrame, raw_score: bool = False) -> np.ndarray:
    """Predict with a booster rebuilt from its text (as a worker does for its partition)."""
    booster = lgb.Booster(model_str=model_text)
    return np.asarray(booster.predict(features, raw_score=raw_score))


def contributions(model_text: str, features: pd.DataFrame) -> pd.DataFrame:
    """TreeSHAP contributions of one partition, plus ``bias``; each row sums to the raw score."""
    booster = lgb.Booster(model_str=model_text)
    values = np.asarray(booster.predict(features, pred_contrib=True))
    return pd.DataFrame(values, columns=[*features.columns, "bias"], index=features.index)
