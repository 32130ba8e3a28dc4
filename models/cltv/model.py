"""The LightGBM CLTV model: a customer's value over the next ``horizon_days``, with p10/p90.

Trained on several earlier cutoffs stacked (features as of each cutoff, value in the window
after it), with BTYD statistics fitted as of each cutoff among the features. See docs/cltv.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from models.boosting import lightgbm_params, train_booster
from models.cltv.rows import (
    CutoffPlan,
    feature_columns,
    features_as_of,
    plan_cutoffs,
    training_rows,
)
from models.io import load_booster, save_booster
from models.tabular import TabularSchema, encode_frame, learn_schema

Progress = Callable[[str], None]
NOT_FEATURES = ("customer_id", "cutoff", "window_days", "window_value", "target")
PREDICTION_COLUMNS = (
    "customer_id", "predicted_value", "predicted_p10", "predicted_p90", "p_alive",
    "btyd_value", "acquisition_channel",
)
# The columns of the saved customer predictions (data/predictions/customer_cltv.parquet).
SAVED_COLUMNS = ("customer_id", "predicted_value", "predicted_p10", "predicted_p90", "p_alive",
                 "acquisition_channel")
MODEL_FILES = {"mean": "model.txt", "lower": "lower.txt", "upper": "upper.txt"}


class Objective(StrEnum):
    """Loss of the mean model; both use a log link, so predictions stay positive.

    ``poisson`` (Tweedie power 1) keeps the balance property, sum of predictions equals
    sum of targets, which is what keeps aggregate value unbiased. ``tweedie`` with a
    power above 1 down-weights the largest customers and under-predicts totals.
    """

    POISSON = "poisson"
    TWEEDIE = "tweedie"


@dataclass(frozen=True)
class CLTVConfig:
    """Settings of :class:`CLTVModel`; see docs/cltv.md for what each one trades off."""

    horizon_days: int = 365
    step_days: int = 90
    max_cutoffs: int = 8
    min_history_days: int = 90
    min_window_days: int = 90
    objective: Objective = Objective.POISSON
    tweedie_variance_power: float = 1.5
    n_estimators: int = 300
    learning_rate: float = 0.1
    num_leaves: int = 15
    min_child_samples: int = 100
    quantiles: tuple[float, float] = (0.1, 0.9)
    max_train_rows: int = 1_000_000
    max_interval_rows: int = 250_000
    max_btyd_rows: int = 100_000
    n_jobs: int = 1
    random_state: int = 0
    value_col: str = field(default="revenue")
    drop_features: tuple[str, ...] = ()  # feature columns to leave out (ablations)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types, for model metadata and MLflow params."""
        out = asdict(self)
        out["objective"] = str(self.objective)
        out["quantiles"] = list(self.quantiles)
        out["drop_features"] = list(self.drop_features)
        return out

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> CLTVConfig:
        """Inverse of :meth:`to_dict`."""
        typed = dict(values)
        typed["objective"] = Objective(typed["objective"])
        typed["quantiles"] = tuple(float(q) for q in typed["quantiles"])
        typed["drop_features"] = tuple(str(name) for name in typed.get("drop_features", ()))
        return cls(**typed)


def booster_params(config: CLTVConfig, alpha: float | None = None) -> dict[str, Any]:
    """LightGBM parameters: the configured objective, or the quantile loss at ``alpha``."""
    # No row or column bagging: with heavy-tailed value, trees that miss the few largest
    # customers swing the total by several percent from seed to seed.
    extra: dict[str, Any] = {}
    if alpha is not None:
        objective, extra = "quantile", {"alpha": alpha}
    elif config.objective is Objective.TWEEDIE:
        objective, extra = "tweedie", {"tweedie_variance_power": config.tweedie_variance_power}
    else:
        objective = "poisson"
    return lightgbm_params(objective, learning_rate=config.learning_rate,
                           num_leaves=config.num_leaves,
                           min_child_samples=config.min_child_samples,
                           seed=config.random_state, n_jobs=config.n_jobs, **extra)


def orders_before(orders: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Orders placed strictly before ``as_of``: nothing later may reach a fit or a score."""
    return orders.loc[orders["ordered_at"] < as_of]


def stack_training_rows(
    customers: pd.DataFrame,
    orders: pd.DataFrame,
    plans: list[CutoffPlan],
    config: CLTVConfig,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Training rows of every planned cutoff, stacked.

    Each cutoff keeps at most ``max_train_rows / len(plans)`` customers, a seeded uniform
    sample, so memory and time stay bounded however long the history and large the customer
    base. The sample is drawn before the features are built (the customers acquired before
    the cutoff, by id, are the feature rows), so only the sampled customers' features are
    computed; their BTYD statistics then come from a BTYD fit on the sample.
    """
    frames = []
    per_cutoff = -(-config.max_train_rows // len(plans))
    rng = np.random.default_rng(config.random_state)
    for i, plan in enumerate(plans, start=1):
        if progress is not None:
            progress(f"features as of {plan.cutoff.date()} ({i}/{len(plans)})")
        eligible = customers.loc[customers["acquired_at"] < plan.cutoff]
        sampled = customers
        if len(eligible) > per_cutoff:
            eligible = eligible.sort_values("customer_id", kind="stable")
            keep = np.sort(rng.choice(len(eligible), size=per_cutoff, replace=False))
            sampled = eligible.iloc[keep]
        frames.append(training_rows(
            sampled, orders, plan, config.horizon_days, config.value_col,
            config.random_state, config.max_btyd_rows,
        ))
    return pd.concat(frames, ignore_index=True)


def training_plans(
    customers: pd.DataFrame, usable: pd.DataFrame, as_of: pd.Timestamp, config: CLTVConfig
) -> list[CutoffPlan]:
    """Plan the training cutoffs before ``as_of``; ValueError when the history is too short."""
    first = min(usable["ordered_at"].min(), customers["acquired_at"].min())
    plans = plan_cutoffs(
        pd.Timestamp(first), as_of, config.horizon_days, config.step_days,
        config.max_cutoffs, config.min_history_days, config.min_window_days,
    )
    if not plans:
        need = config.min_history_days + config.min_window_days
        raise ValueError(f"history before {as_of.date()} is too short: need {need} days, "
                         f"found {(as_of - pd.Timestamp(first)).days}")
    return plans


def score_frame(
    frame: pd.DataFrame, schema: TabularSchema, boosters: tuple[lgb.Booster, ...], shift: float
) -> pd.DataFrame:
    """Predictions of the (mean, lower, upper) boosters for :func:`features_as_of` rows.

    Row-wise, so a partition of customers is scored as the whole would be.
    """
    features = encode(frame, schema)
    mean, lower_booster, upper_booster = boosters
    lower = np.asarray(lower_booster.predict(features)) - shift
    upper = np.asarray(upper_booster.predict(features)) + shift
    lower, upper = np.minimum(lower, upper), np.maximum(lower, upper)
    return pd.DataFrame({
        "customer_id": frame["customer_id"].to_numpy(),
        "predicted_value": np.asarray(mean.predict(features)),
        "predicted_p10": np.maximum(lower, 0.0),
        "predicted_p90": np.maximum(upper, 0.0),
        "p_alive": frame["p_alive"].to_numpy(),
        "btyd_value": frame["btyd_value"].to_numpy(),
        "acquisition_channel": frame["acquisition_channel"].to_numpy(),
    })


def encode(frame: pd.DataFrame, schema: TabularSchema) -> pd.DataFrame:
    """Encode the schema's columns of ``frame`` as a named float frame for LightGBM."""
    columns = list(schema.columns)
    return pd.DataFrame(encode_frame(frame[columns], schema), columns=columns, index=frame.index)


def fit_encoded(
    features: pd.DataFrame, target: np.ndarray, schema: TabularSchema, params: dict[str, Any],
    n_estimators: int,
) -> lgb.Booster:
    """Train one booster on encoded features, the schema's categories declared as such."""
    categorical = [schema.columns[i] for i in schema.categorical_indices]
    return train_booster(features, target, params, n_estimators, categorical)


def conformal_shift(
    target: np.ndarray, lower: np.ndarray, upper: np.ndarray, coverage: float
) -> float:
    """Split-conformal widening of quantile intervals (CQR, Romano et al. 2019).

    Returns the ``coverage`` quantile of ``max(lower - y, y - upper)`` with the finite-sample
    correction; adding it to both ends covers ``coverage`` of exchangeable new rows.
    """
    scores = np.maximum(lower - target, target - upper)
    level = min(1.0, coverage * (1.0 + 1.0 / max(len(scores), 1)))
    return float(np.quantile(scores, level, method="higher")) if len(scores) else 0.0


class CLTVModel:
    """Customer value over the next ``horizon_days`` from multi-cutoff LightGBM.

    Parameters
    ----------
    config : CLTVConfig
        Horizon, cutoff schedule, LightGBM settings and seed.

    Attributes
    ----------
    booster_ : lightgbm.Booster
        The mean model (Poisson or Tweedie loss).
    lower_booster_, upper_booster_ : lightgbm.Booster
        Quantile models at ``config.quantiles``.
    interval_shift_ : float
        Conformal widening added to both quantiles, from the latest training cutoff.
    schema_ : TabularSchema
        Feature columns, their kinds and category levels.
    cutoffs_ : list of CutoffPlan
        The training cutoffs and their label windows.
    as_of_ : pandas.Timestamp
        The end of the data the model was trained on.
    input_example_ : pandas.DataFrame
        A few encoded training rows, for model signatures.
    """

    def __init__(self, config: CLTVConfig | None = None) -> None:
        self.config = config

    @property
    def _config(self) -> CLTVConfig:
        return self.config if self.config is not None else CLTVConfig()

    def fit(
        self, customers: pd.DataFrame, orders: pd.DataFrame, as_of: pd.Timestamp,
        progress: Progress | None = None,
    ) -> CLTVModel:
        """Train on cutoffs before ``as_of``, using only orders placed before it.

        Parameters
        ----------
        customers : pandas.DataFrame
            ``customer_id``, ``acquired_at``, ``acquisition_channel`` and attributes.
        orders : pandas.DataFrame
            ``order_id``, ``customer_id``, ``ordered_at``, ``revenue`` (and the config's
            ``value_col`` if it is another column, such as ``margin``).
        as_of : pandas.Timestamp
            The end of the usable data (exclusive).
        progress : callable, optional
            Called with a short status line before each long step.

        Returns
        -------
        CLTVModel
            self, fitted.

        Raises
        ------
        ValueError
            If the history before ``as_of`` is too short for a single training cutoff.
        """
        config, as_of = self._config, pd.Timestamp(as_of)
        usable = orders_before(orders, as_of)
        plans = training_plans(customers, usable, as_of, config)
        rows = stack_training_rows(customers, usable, plans, config, progress)
        excluded = (*NOT_FEATURES, *config.drop_features)
        self.schema_ = learn_schema(rows[feature_columns(rows, excluded)])
        features = encode(rows, self.schema_)
        target = rows["target"].to_numpy(dtype=np.float64)
        if progress is not None:
            progress(f"training LightGBM on {len(rows):,} rows")
        self.booster_ = fit_encoded(
            features, target, self.schema_, booster_params(config), config.n_estimators
        )
        self._fit_intervals(features, target, rows["cutoff"].to_numpy(), progress)
        self.cutoffs_, self.as_of_ = plans, as_of
        self.input_example_ = features.head(5).reset_index(drop=True)
        return self

    def _fit_intervals(
        self, features: pd.DataFrame, target: np.ndarray, cutoffs: np.ndarray,
        progress: Progress | None,
    ) -> None:
        """Quantile models on the earlier cutoffs, conformally widened on the latest one.

        The quantile models see at most ``max_interval_rows`` rows (a seeded sample): a 10th
        or 90th percentile is pinned down long before a million rows, and the quantile loss
        is the slowest part of training.
        """
        config = self._config
        latest = cutoffs == cutoffs.max()
        fit_rows = np.flatnonzero(~latest if (~latest).any() else latest)
        if len(fit_rows) > config.max_interval_rows:
            rng = np.random.default_rng(config.random_state)
            fit_rows = np.sort(rng.choice(fit_rows, size=config.max_interval_rows, replace=False))
        if progress is not None:
            progress("training the p10/p90 quantile models")
        lower_q, upper_q = config.quantiles
        boosters = [
            fit_encoded(features.iloc[fit_rows], target[fit_rows], self.schema_,
                          booster_params(config, alpha), config.n_estimators)
            for alpha in (lower_q, upper_q)
        ]
        self.lower_booster_, self.upper_booster_ = boosters
        self.interval_shift_ = 0.0
        if (~latest).any():
            calib = features[latest]
            lower, upper = (booster.predict(calib) for booster in boosters)
            self.interval_shift_ = conformal_shift(
                target[latest], np.asarray(lower), np.asarray(upper), upper_q - lower_q
            )

    def predict(
        self, customers: pd.DataFrame, orders: pd.DataFrame, as_of: pd.Timestamp
    ) -> pd.DataFrame:
        """Predict each customer's value in ``[as_of, as_of + horizon_days)``.

        Parameters
        ----------
        customers, orders : pandas.DataFrame
            As for :meth:`fit`; only orders placed before ``as_of`` are used.
        as_of : pandas.Timestamp
            The scoring moment; customers acquired before it are scored.

        Returns
        -------
        pandas.DataFrame
            Sorted by ``customer_id``: ``customer_id``, ``predicted_value``,
            ``predicted_p10``, ``predicted_p90``, ``p_alive``, ``btyd_value`` (the BG/NBD x
            Gamma-Gamma prediction) and ``acquisition_channel``.
        """
        config = self._config
        frame, _ = features_as_of(
            customers, orders_before(orders, pd.Timestamp(as_of)), pd.Timestamp(as_of),
            config.horizon_days, config.random_state, config.max_btyd_rows,
        )
        boosters = (self.booster_, self.lower_booster_, self.upper_booster_)
        return score_frame(frame, self.schema_, boosters, self.interval_shift_)

    def metadata(self) -> dict[str, Any]:
        """Describe the model for readers of the boosters: features, levels, params, cutoffs."""
        return {
            "model": "cltv",
            "config": self._config.to_dict(),
            "schema": self.schema_.to_dict(),
            "cutoffs": [{"cutoff": plan.cutoff.isoformat(), "window_days": plan.window_days}
                        for plan in self.cutoffs_],
            "as_of": self.as_of_.isoformat(),
            "interval_shift": self.interval_shift_,
            "files": dict(MODEL_FILES),
        }

    def save(self, directory: str | Path) -> Path:
        """Write the three boosters as LightGBM text and the metadata as JSON."""
        root = Path(directory)
        save_booster(root / MODEL_FILES["mean"], self.booster_, self.metadata())
        for key, booster in (("lower", self.lower_booster_), ("upper", self.upper_booster_)):
            save_booster(root / MODEL_FILES[key], booster, {"role": key})
        return root

    @classmethod
    def load(cls, directory: str | Path) -> CLTVModel:
        """Read a model written by :meth:`save`."""
        root = Path(directory)
        booster, meta = load_booster(root / MODEL_FILES["mean"])
        model = cls(CLTVConfig.from_dict(meta["config"]))
        model.booster_ = booster
        model.lower_booster_, _ = load_booster(root / MODEL_FILES["lower"])
        model.upper_booster_, _ = load_booster(root / MODEL_FILES["upper"])
        model.schema_ = TabularSchema.from_dict(meta["schema"])
        model.cutoffs_ = [CutoffPlan(pd.Timestamp(c["cutoff"]), int(c["window_days"]))
                          for c in meta["cutoffs"]]
        model.as_of_ = pd.Timestamp(meta["as_of"])
        model.interval_shift_ = float(meta["interval_shift"])
        return model
