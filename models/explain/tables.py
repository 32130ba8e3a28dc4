"""SHAP explanations of the LightGBM models: native TreeSHAP, importance, channel means, dependence.

Values come from LightGBM's own TreeSHAP (``Booster.predict(pred_contrib=True)``) and are in
raw-score units: log value for the Poisson/Tweedie CLTV models, log-odds for lead conversion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from models.explain.treeshap import grouped_shap

if TYPE_CHECKING:
    import lightgbm as lgb

GROUPED_FROM_ROWS = 10_000
_LOG_OBJECTIVES = {"poisson", "tweedie", "gamma"}
_LOGIT_OBJECTIVES = {"binary", "cross_entropy", "xentropy"}
GROUP_COLUMNS = ["channel", "feature", "mean_shap", "vs_all", "rows"]
IMPORTANCE_COLUMNS = ["feature", "mean_abs_shap", "share", "rank"]
DEPENDENCE_COLUMNS = ["feature", "value", "value_label", "shap"]


class Link(StrEnum):
    """How a raw score maps to the model's output: ``exp``, the logistic, or as is."""

    LOG = "log"
    LOGIT = "logit"
    IDENTITY = "identity"

    def inverse(self, raw: np.ndarray) -> np.ndarray:
        """Map raw scores to the output scale (value, probability or as is)."""
        raw = np.asarray(raw, dtype=np.float64)
        if self is Link.LOG:
            return np.asarray(np.exp(raw))
        if self is Link.LOGIT:
            return np.asarray(1.0 / (1.0 + np.exp(-raw)))
        return raw

    @property
    def raw_label(self) -> str:
        """What a raw-score unit is, for axis labels."""
        return {Link.LOG: "log value", Link.LOGIT: "log-odds"}.get(self, "model output")


def link_of(objective: str) -> Link:
    """Return the link of a LightGBM objective name (``poisson`` → log, ``binary`` → logit)."""
    name = str(objective).split()[0].lower()
    if name in _LOG_OBJECTIVES:
        return Link.LOG
    if name in _LOGIT_OBJECTIVES:
        return Link.LOGIT
    return Link.IDENTITY


@dataclass(frozen=True)
class Explanation:
    """SHAP values of some rows of one model.

    Attributes
    ----------
    model : str
        A short name of the model (``cltv``, ``cltv_new_customer``, ``conversion``).
    values : pandas.DataFrame
        One column per feature: the SHAP value of each row, in raw-score units.
    features : pandas.DataFrame
        The encoded feature values (floats; category codes for categorical columns).
    base_value : float
        The expected raw score; ``base_value + values.sum(axis=1)`` is each row's raw score.
    link : Link
        How raw scores map to the model's output.
    groups : pandas.Series or None
        A label per row (the channel), for per-group means.
    categories : dict of str to tuple of str
        Levels of the categorical features: code ``i`` is ``categories[feature][i]``.
    """

    model: str
    values: pd.DataFrame
    features: pd.DataFrame
    base_value: float
    link: Link
    groups: pd.Series | None = None
    categories: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def raw_score(self) -> np.ndarray:
        """Each row's raw score: the base value plus its SHAP values."""
        return np.asarray(self.base_value + self.values.to_numpy().sum(axis=1))


def check_columns(model_names: list[str], columns: list[str]) -> None:
    """Raise ValueError unless ``columns`` are the model's features in its order.

    A model trained on a matrix names its features ``Column_0``...; then only the count is
    checked. LightGBM writes whitespace in names as ``_``, so that is allowed for.
    """
    generic = model_names == [f"Column_{i}" for i in range(len(model_names))]
    cleaned = [re.sub(r"\s", "_", name) for name in columns]
    if len(columns) != len(model_names) or not (generic or cleaned == model_names):
        raise ValueError(f"features must be the model's columns in order: {model_names}")


def native_shap(
    booster: lgb.Booster, features: pd.DataFrame, n_jobs: int | None = None,
    grouped: bool | None = None,
) -> tuple[np.ndarray, float]:
    """Compute TreeSHAP values with LightGBM's native ``pred_contrib``.

    From ``GROUPED_FROM_ROWS`` rows on, each tree's ``pred_contrib`` runs once per distinct
    decision path (:func:`models.explain.treeshap.grouped_shap`): the same values, 10-30
    times faster.

    Parameters
    ----------
    booster : lightgbm.Booster
        A single-output model (regression, Poisson, Tweedie, binary).
    features : pandas.DataFrame
        Encoded rows with exactly the booster's feature columns, in its order.
    n_jobs : int, optional
        Threads; None keeps the booster's setting (one thread when grouped).
    grouped : bool, optional
        Force (True) or forbid (False) the grouped computation; None decides by row count.

    Returns
    -------
    tuple of (numpy.ndarray, float)
        SHAP values of shape ``(rows, features)`` in raw-score units, and the base value.

    Raises
    ------
    ValueError
        If the columns differ from the booster's features, there are no rows, or the
        model has several outputs.
    """
    check_columns(list(booster.feature_name()), [str(c) for c in features.columns])
    if features.empty:
        raise ValueError("no rows to explain")
    if booster.num_model_per_iteration() != 1:
        raise ValueError("only single-output models can be explained")
    matrix = features.to_numpy(dtype=np.float64)
    if grouped if grouped is not None else len(matrix) >= GROUPED_FROM_ROWS:
        contrib = grouped_shap(booster, matrix, n_jobs=n_jobs or 1)
    else:
        extra: dict[str, Any] = {} if n_jobs is None else {"num_threads": int(n_jobs)}
        contrib = np.asarray(booster.predict(matrix, pred_contrib=True, **extra))
    return contrib[:, :-1], float(contrib[0, -1])


def explain(
    booster: lgb.Booster,
    features: pd.DataFrame,
    model: str,
    groups: pd.Series | None = None,
    categories: dict[str, tuple[str, ...]] | None = None,
) -> Explanation:
    """Explain ``features`` with native TreeSHAP; see :func:`native_shap` for the inputs.

    ``groups`` (aligned with ``features`` by position) labels rows for
    :func:`group_mean_shap`; ``categories`` decodes category codes for plots.
    """
    values, base = native_shap(booster, features)
    index = pd.RangeIndex(len(features))
    return Explanation(
        model=model,
        values=pd.DataFrame(values, columns=features.columns, index=index),
        features=features.reset_index(drop=True),
        base_value=base,
        link=link_of(str(booster.params.get("objective", "regression"))),
        groups=None if groups is None else pd.Series(
            groups.astype("str").to_numpy(), index=index, name="channel"),
        categories=dict(categories or {}),
    )


def global_importance(explanation: Explanation) -> pd.DataFrame:
    """Rank features by mean absolute SHAP value.

    Returns
    -------
    pandas.DataFrame
        ``feature``, ``mean_abs_shap``, ``share`` (of the total, sums to 1 unless all are
        zero) and ``rank`` (1 = most important); ties are ordered by name.
    """
    mean_abs = explanation.values.abs().mean(axis=0)
    total = float(mean_abs.sum())
    table = pd.DataFrame({
        "feature": [str(name) for name in mean_abs.index],
        "mean_abs_shap": mean_abs.to_numpy(dtype=np.float64),
    })
    table["share"] = table["mean_abs_shap"] / total if total > 0 else 0.0
    table = table.sort_values(["mean_abs_shap", "feature"], ascending=[False, True],
                              ignore_index=True)
    table["rank"] = np.arange(1, len(table) + 1)
    return table.loc[:, IMPORTANCE_COLUMNS]


def group_mean_shap(explanation: Explanation) -> pd.DataFrame:
    """Mean SHAP value of each feature per group (channel), and its gap to all rows.

    Within a group the mean SHAP values sum to the group's mean raw score minus the base
    value, so ``vs_all`` (group mean minus the mean over every row) splits the gap between
    a channel's mean raw score and the overall mean by feature. With a log link,
    ``exp(sum of vs_all)`` is the ratio of the channel's geometric mean prediction to the
    overall one: why channel X's customers are worth more.

    Returns
    -------
    pandas.DataFrame
        ``channel``, ``feature``, ``mean_shap``, ``vs_all``, ``rows``, sorted by channel and
        feature order.

    Raises
    ------
    ValueError
        If the explanation has no groups.
    """
    if explanation.groups is None:
        raise ValueError(f"explanation of {explanation.model} has no groups")
    values = explanation.values
    overall = values.mean(axis=0)
    means = values.groupby(explanation.groups.to_numpy(), sort=True).mean()
    sizes = explanation.groups.value_counts()
    stacked = cast("pd.Series[float]", means.stack())
    long = stacked.rename("mean_shap").rename_axis(["channel", "feature"]).reset_index()
    long["vs_all"] = long["mean_shap"] - overall.reindex(long["feature"]).to_numpy()
    long["rows"] = sizes.reindex(long["channel"]).to_numpy(dtype=np.int64)
    long["channel"] = long["channel"].astype("str")
    long["feature"] = long["feature"].astype("str")
    return long.loc[:, GROUP_COLUMNS]


def group_summary(explanation: Explanation) -> pd.DataFrame:
    """Per group: rows, mean raw score and the mean output (``exp`` / probability / as is).

    Returns
    -------
    pandas.DataFrame
        ``channel``, ``rows``, ``mean_raw_score``, ``mean_output``, sorted by channel.
    """
    if explanation.groups is None:
        raise ValueError(f"explanation of {explanation.model} has no groups")
    raw = pd.Series(explanation.raw_score)
    frame = pd.DataFrame({"raw": raw, "output": explanation.link.inverse(raw.to_numpy())})
    grouped = frame.groupby(explanation.groups.to_numpy(), sort=True)
    table = grouped.agg(rows=("raw", "size"), mean_raw_score=("raw", "mean"),
                        mean_output=("output", "mean"))
    return table.rename_axis("channel").reset_index().astype({"channel": "str"})


def sample_rows(n_rows: int, max_rows: int, seed: int) -> np.ndarray:
    """Sorted positions of at most ``max_rows`` of ``n_rows`` rows, a seeded uniform sample."""
    if n_rows <= max_rows:
        return np.arange(n_rows)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_rows, size=max_rows, replace=False))


def subset(explanation: Explanation, positions: np.ndarray) -> Explanation:
    """Keep the explanation of the rows at ``positions`` only."""
    def take(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.iloc[positions].reset_index(drop=True)

    groups = explanation.groups
    return Explanation(
        model=explanation.model, values=take(explanation.values),
        features=take(explanation.features), base_value=explanation.base_value,
        link=explanation.link, categories=explanation.categories,
        groups=None if groups is None else groups.iloc[positions].reset_index(drop=True),
    )


def value_labels(values: pd.Series, levels: tuple[str, ...] | None) -> np.ndarray:
    """Text of encoded values: the category of a code, ``%g`` of a number, ``missing``."""
    numbers = values.to_numpy(dtype=np.float64, na_value=np.nan)
    missing = np.isnan(numbers)
    if levels is None:
        text = np.char.mod("%g", np.where(missing, 0.0, numbers)).astype(object)
    else:
        codes = np.where(missing, 0, numbers).astype(np.int64)
        valid = ~missing & (codes >= 0) & (codes < len(levels))
        lookup = np.asarray(levels, dtype=object) if levels else np.asarray([""], dtype=object)
        text = np.where(valid, lookup[np.clip(codes, 0, max(len(levels) - 1, 0))], "missing")
    return np.asarray(np.where(missing, "missing", text), dtype=object)


def dependence_data(explanation: Explanation, top: int) -> pd.DataFrame:
    """Feature value against SHAP value for the ``top`` most important features.

    Returns
    -------
    pandas.DataFrame
        ``feature``, ``value`` (encoded, NaN when missing), ``value_label`` (the category
        or the number as text) and ``shap``; features in importance order.
    """
    frames = []
    for name in global_importance(explanation)["feature"].head(top):
        values = explanation.features[name]
        frames.append(pd.DataFrame({
            "feature": name,
            "value": values.to_numpy(dtype=np.float64, na_value=np.nan),
            "value_label": value_labels(values, explanation.categories.get(name)),
            "shap": explanation.values[name].to_numpy(dtype=np.float64),
        }))
    if not frames:
        return pd.DataFrame(columns=DEPENDENCE_COLUMNS)
    return pd.concat(frames, ignore_index=True).loc[:, DEPENDENCE_COLUMNS]


def explanation_frame(explanation: Explanation) -> pd.DataFrame:
    """Flatten to one wide frame: ``channel``, ``base_value``, ``shap__<f>`` and ``value__<f>``."""
    columns: dict[str, Any] = {
        "channel": (explanation.groups.to_numpy() if explanation.groups is not None
                    else np.full(len(explanation.values), "", dtype=object)),
        "base_value": np.full(len(explanation.values), explanation.base_value),
    }
    for name in explanation.values.columns:
        columns[f"shap__{name}"] = explanation.values[name].to_numpy(dtype=np.float64)
    for name in explanation.features.columns:
        columns[f"value__{name}"] = explanation.features[name].to_numpy(dtype=np.float64)
    return pd.DataFrame(columns)


def explanation_from_frame(
    frame: pd.DataFrame, model: str, link: Link,
    categories: dict[str, tuple[str, ...]] | None = None,
) -> Explanation:
    """Rebuild an :class:`Explanation` from :func:`explanation_frame` (e.g. read from Parquet)."""
    names = [str(c)[len("shap__"):] for c in frame.columns if str(c).startswith("shap__")]
    groups = frame["channel"].astype("str")
    return Explanation(
        model=model,
        values=frame[[f"shap__{n}" for n in names]].set_axis(names, axis=1)
        .reset_index(drop=True),
        features=frame[[f"value__{n}" for n in names]].set_axis(names, axis=1)
        .reset_index(drop=True),
        base_value=float(frame["base_value"].iloc[0]) if len(frame) else float("nan"),
        link=link,
        groups=None if (groups == "").all() else groups.reset_index(drop=True),
        categories=dict(categories or {}),
    )


def explanation_tables(explanation: Explanation, top: int) -> dict[str, pd.DataFrame]:
    """Compute the tables of one explanation, keyed by file suffix.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``importance`` (:func:`global_importance`), ``dependence`` (:func:`dependence_data`
        of the ``top`` features), ``shap`` (:func:`explanation_frame`) and, when rows have
        channels, ``by_channel`` (:func:`group_mean_shap`) and ``channels``
        (:func:`group_summary`).
    """
    tables = {
        "importance": global_importance(explanation),
        "dependence": dependence_data(explanation, top),
        "shap": explanation_frame(explanation),
    }
    if explanation.groups is not None:
        tables["by_channel"] = group_mean_shap(explanation)
        tables["channels"] = group_summary(explanation)
    return tables
