"""`LeadConversionModel`: a calibrated LightGBM binary classifier with a scikit-learn API.

It takes any tabular frame (numbers, booleans, text, categoricals, missing values), picks
its own tree size and number of rounds on an internal split, and calibrates its
probabilities on a later time slice or, standalone, out of fold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from models.boosting import train_booster
from models.conversion.boosting import (
    BoostingSettings,
    Selection,
    binary_dataset_params,
    out_of_fold_scores,
    select_booster,
)
from models.conversion.calibration import (
    CalibrationMethod,
    Calibrator,
    apply_calibrator,
    fit_calibrator,
)
from models.conversion.targets import binary_targets, encode_labels
from models.tabular import ColumnKind, TabularSchema, encode_frame, learn_schema

# Checks of parametrize_with_checks this estimator is expected to fail, and why.
EXPECTED_FAILED_CHECKS: dict[str, str] = {}
# From this many rows on, the booster chosen on the internal split is final (no refit) and
# its holdout calibrates it (no folds): six more fits would buy almost nothing.
LARGE_DATA_ROWS = 100_000


@dataclass(frozen=True)
class BoosterConfig:
    """What the internal model selection chose: LightGBM params and number of rounds."""

    params: dict[str, Any]
    rounds: int


class LeadConversionModel(ClassifierMixin, BaseEstimator):
    """Calibrated gradient-boosted binary classifier for tabular data (LightGBM).

    Text, ``category`` and other non-numeric columns of a DataFrame become LightGBM native
    categoricals with the categories seen at fit; at predict time an unseen category is
    treated as missing. Numeric arrays are accepted too.

    Parameters
    ----------
    learning_rate : float, default=0.1
        Shrinkage per boosting round.
    max_rounds : int, default=2000
        Upper bound on boosting rounds; early stopping on an internal split picks fewer.
    num_leaves : int or "auto", default="auto"
        Leaves per tree. ``"auto"`` tries 2, 8 and 32 (fewer on small data) on the
        internal split and keeps the lowest log loss.
    min_child_samples : int or None, default=None
        Minimum rows per leaf; None scales it with the rows: ``n / 500`` within 5..200.
    reg_lambda : float, default=1.0
        L2 penalty on leaf values.
    early_stopping_rounds : int, default=50
        Rounds without improvement on the internal split before stopping.
    validation_fraction : float, default=0.1
        Share of the fit rows (stratified, random) held out for early stopping and the
        choice of ``num_leaves``. Below `LARGE_DATA_ROWS` (100k) rows the booster is then
        refit on every row; from 100k on, the booster fit on the rest is final.
    calibration : {"sigmoid", "isotonic", "none"}, default="sigmoid"
        Map from raw log-odds to probability: Platt scaling (two parameters; a
        log-loss booster is close to calibrated up to a level and a slope, and this is
        the steadiest map on small calibration sets), centred isotonic, or none.
    cv : int, default=5
        Folds for out-of-fold calibration when ``fit`` gets no ``calibration_set``,
        below 100k rows; from 100k rows on, the internal holdout calibrates instead.
    n_jobs : int or None, default=None
        LightGBM threads: None is one thread (on shared cores LightGBM's spinning
        threads were measured slower than one), -1 every core.
    random_state : int, RandomState or None, default=None
        Seeds the internal split, the folds and LightGBM.

    Attributes
    ----------
    classes_ : np.ndarray
        The two class labels; ``classes_[1]`` is the positive class.
    booster_ : lightgbm.Booster
        The booster refit on every row; its raw scores are log-odds before calibration.
    calibrator_ : Calibrator
        The calibration map, as plain arrays.
    schema_ : TabularSchema
        Columns, kinds and categories learned at fit.
    config_ : BoosterConfig
        LightGBM params and rounds chosen on the internal split.
    n_features_in_ : int
        Number of columns seen at fit.
    feature_names_in_ : np.ndarray
        Column names, when fit on a DataFrame with string column names.

    Notes
    -----
    Binary only: a multiclass target raises ``ValueError``. See ``EXPECTED_FAILED_CHECKS``
    for the scikit-learn estimator checks it is expected to fail.

    Examples
    --------
    >>> model = LeadConversionModel(random_state=0).fit(X, y)  # doctest: +SKIP
    >>> model.predict_proba(X_new)[:, 1]  # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        learning_rate: float = 0.1,
        max_rounds: int = 2000,
        num_leaves: int | str = "auto",
        min_child_samples: int | None = None,
        reg_lambda: float = 1.0,
        early_stopping_rounds: int = 50,
        validation_fraction: float = 0.1,
        calibration: str = "sigmoid",
        cv: int = 5,
        n_jobs: int | None = None,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.learning_rate = learning_rate
        self.max_rounds = max_rounds
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.reg_lambda = reg_lambda
        self.early_stopping_rounds = early_stopping_rounds
        self.validation_fraction = validation_fraction
        self.calibration = calibration
        self.cv = cv
        self.n_jobs = n_jobs
        self.random_state = random_state

    def fit(
        self, X: Any, y: Any, calibration_set: tuple[Any, Any] | None = None
    ) -> LeadConversionModel:
        """Fit the booster, then the calibration map.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Training rows.
        y : array-like of shape (n_samples,)
            Two classes; the larger (sorted) label is the positive class.
        calibration_set : tuple (X_cal, y_cal) or None, default=None
            Rows the booster does not see, e.g. a later time slice, to calibrate on.
            None calibrates on out-of-fold scores from ``cv`` folds of ``X`` or, from
            `LARGE_DATA_ROWS` rows on, on the internal holdout.

        Returns
        -------
        LeadConversionModel
            self, fitted.
        """
        settings = self._settings()
        matrix = self._validate(X, reset=True)
        self.classes_, target = binary_targets(y, n_rows=matrix.shape[0])
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        categorical = self.schema_.categorical_indices
        selection = select_booster(matrix, target, categorical, settings, seed)
        self.config_ = BoosterConfig(params=selection.params, rounds=selection.rounds)
        booster = selection.booster
        large = booster is not None and target.size >= LARGE_DATA_ROWS
        if booster is None or not large:
            booster = train_booster(
                matrix, target, selection.params, selection.rounds, categorical,
                binary_dataset_params(int(selection.params["num_threads"])))
        self.booster_: lgb.Booster = booster
        if calibration_set is not None:
            return self.calibrate(*calibration_set)
        self.calibrator_ = self._calibrate_internally(matrix, target, selection, large, seed)
        return self

    def _calibrate_internally(
        self, matrix: np.ndarray, target: np.ndarray, selection: Selection, large: bool,
        seed: int,
    ) -> Calibrator:
        """Calibrate on the holdout (large data) or on out-of-fold scores."""
        method = CalibrationMethod(self.calibration)
        if large:
            return fit_calibrator(selection.holdout_scores, target[selection.holdout_rows],
                                  method)
        scores = out_of_fold_scores(matrix, target, self.schema_.categorical_indices,
                                    selection.params, selection.rounds, self.cv, seed)
        if scores is None:  # a class too small to split into folds
            return Calibrator(CalibrationMethod.NONE)
        return fit_calibrator(scores, target, method)

    def calibrate(self, X: Any, y: Any) -> LeadConversionModel:
        """Refit only the calibration map, on rows the booster did not see.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Held-out rows, e.g. the newest labelled time slice.
        y : array-like of shape (n_samples,)
            Their labels, from ``classes_``.

        Returns
        -------
        LeadConversionModel
            self, with a new ``calibrator_``.
        """
        check_is_fitted(self, "booster_")
        scores = self.raw_score(X)
        target = encode_labels(y, self.classes_)
        self.calibrator_ = fit_calibrator(scores, target, CalibrationMethod(self.calibration))
        return self

    def raw_score(self, X: Any) -> np.ndarray:
        """Return the booster's log-odds of the positive class, before calibration."""
        check_is_fitted(self, "booster_")
        return np.asarray(self.booster_.predict(self._validate(X, reset=False), raw_score=True))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Return calibrated class probabilities, shape ``(n_samples, 2)``."""
        check_is_fitted(self, "calibrator_")
        positive = apply_calibrator(self.calibrator_, self.raw_score(X))
        return np.column_stack([1.0 - positive, positive])

    def predict(self, X: Any) -> np.ndarray:
        """Return the most probable class of each row."""
        check_is_fitted(self, "calibrator_")
        return np.asarray(self.classes_[(self.predict_proba(X)[:, 1] >= 0.5).astype(int)])

    def contributions(self, X: Any) -> pd.DataFrame:
        """Return per-row SHAP contributions to the raw log-odds (LightGBM ``pred_contrib``).

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Rows to explain.

        Returns
        -------
        pd.DataFrame
            One column per feature plus ``bias``; each row sums to the raw log-odds.
        """
        check_is_fitted(self, "booster_")
        matrix = self._validate(X, reset=False)
        values = np.asarray(self.booster_.predict(matrix, pred_contrib=True))
        return pd.DataFrame(values, columns=[*self.schema_.columns, "bias"])

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.classifier_tags.multi_class = False
        return tags

    def _settings(self) -> BoostingSettings:
        CalibrationMethod(self.calibration)  # fail early on an unknown method
        return BoostingSettings(
            learning_rate=float(self.learning_rate),
            max_rounds=int(self.max_rounds),
            num_leaves=self.num_leaves,
            min_child_samples=self.min_child_samples,
            reg_lambda=float(self.reg_lambda),
            early_stopping_rounds=int(self.early_stopping_rounds),
            validation_fraction=float(self.validation_fraction),
            n_jobs=self.n_jobs,
        )

    def _validate(self, X: Any, *, reset: bool) -> np.ndarray:
        """Check X against what fit saw and encode it as a float matrix."""
        if isinstance(X, pd.DataFrame):
            validate_data(self, X, reset=reset, skip_check_array=True)
            if X.shape[0] == 0 or X.shape[1] == 0:
                raise ValueError(f"Found array with shape {X.shape}; need at least one "
                                 "sample and one feature.")
            if reset:
                self.schema_ = learn_schema(X)
            return encode_frame(X, self.schema_)
        numeric = reset or all(kind is ColumnKind.NUMERIC for kind in self.schema_.kinds)
        matrix = validate_data(self, X, reset=reset, dtype=np.float64 if numeric else None,
                               ensure_all_finite="allow-nan")
        if reset:
            columns = tuple(f"x{i}" for i in range(matrix.shape[1]))
            self.schema_ = TabularSchema(columns, (ColumnKind.NUMERIC,) * len(columns), {})
        if numeric:
            return np.asarray(matrix, dtype=np.float64)
        return encode_frame(pd.DataFrame(matrix, columns=list(self.schema_.columns)),
                            self.schema_)


def restore_model(booster: lgb.Booster, state: dict[str, Any]) -> LeadConversionModel:
    """Rebuild a fitted model from its booster and the state of :func:`fitted_state`.

    Parameters
    ----------
    booster : lightgbm.Booster
        The saved booster.
    state : dict
        ``params``, ``classes``, ``schema``, ``calibrator``, ``config`` (``params``,
        ``rounds``), ``n_features_in`` and ``feature_names_in``, as plain JSON types.

    Returns
    -------
    LeadConversionModel
        Ready to predict, with the predictions of the model that was saved.
    """
    model = LeadConversionModel(**state["params"])
    model.classes_ = np.asarray(state["classes"])
    model.booster_ = booster
    model.schema_ = TabularSchema.from_dict(state["schema"])
    model.calibrator_ = Calibrator.from_dict(state["calibrator"])
    model.config_ = BoosterConfig(**state["config"])
    model.n_features_in_ = int(state["n_features_in"])
    if state.get("feature_names_in") is not None:
        model.feature_names_in_ = np.asarray(state["feature_names_in"], dtype=object)
    return model


def fitted_state(model: LeadConversionModel) -> dict[str, Any]:
    """Return everything but the booster that a fitted model needs, as plain JSON types.

    Parameters
    ----------
    model : LeadConversionModel
        A fitted model.

    Returns
    -------
    dict
        ``params``, ``classes``, ``schema``, ``calibrator``, ``config``,
        ``n_features_in`` and ``feature_names_in`` (None when fit on an array).
    """
    check_is_fitted(model, "calibrator_")
    names = getattr(model, "feature_names_in_", None)
    params = model.get_params()
    if not isinstance(params["random_state"], int | None):
        params["random_state"] = None  # a RandomState object has no JSON form
    return {
        "params": params,
        "classes": model.classes_.tolist(),
        "schema": model.schema_.to_dict(),
        "calibrator": model.calibrator_.to_dict(),
        "config": {"params": model.config_.params, "rounds": model.config_.rounds},
        "n_features_in": model.n_features_in_,
        "feature_names_in": None if names is None else [str(name) for name in names],
    }
