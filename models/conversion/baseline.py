"""The logistic-regression baseline that the conversion model has to beat."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from models.tabular import ColumnKind, column_kind


def _as_float(frame: pd.DataFrame) -> np.ndarray:
    return frame.astype("float64").to_numpy()


def _as_text(frame: pd.DataFrame) -> np.ndarray:
    return frame.astype("str").where(frame.notna(), "missing").to_numpy(dtype=object)


def logistic_baseline(features: pd.DataFrame, random_state: int) -> Pipeline:
    """Build an unfitted one-hot + scaling logistic regression for these feature columns.

    Parameters
    ----------
    features : pd.DataFrame
        Example rows: the column kinds decide the encoding. Text and categorical columns
        are one-hot encoded (missing is its own level; unseen levels are all zeros).
        Numbers and booleans are median-imputed and standardised.
    random_state : int
        Seeds the solver.

    Returns
    -------
    sklearn.pipeline.Pipeline
        ``fit(X, y)`` / ``predict_proba(X)`` on frames with the same columns.
    """
    kinds = {column: column_kind(features[column]) for column in features.columns}
    text = [column for column, kind in kinds.items() if kind is ColumnKind.CATEGORY]
    numeric = [column for column in features.columns if column not in text]
    encode = ColumnTransformer([
        ("text", make_pipeline(FunctionTransformer(_as_text),
                               OneHotEncoder(handle_unknown="ignore")), text),
        ("numeric", make_pipeline(FunctionTransformer(_as_float),
                                  SimpleImputer(strategy="median"), StandardScaler()), numeric),
    ])
    model = LogisticRegression(max_iter=2000, random_state=random_state)
    return make_pipeline(encode, model)
