"""Score leads with a fitted conversion model: probability, expected value and top reasons."""

from __future__ import annotations

import numpy as np
import pandas as pd

from features._checks import require_columns
from models.conversion.model import LeadConversionModel

REASONS = 3
SCORE_COLUMNS = ("lead_id", "p_convert", "expected_value",
                 *(f"reason_{i}" for i in range(1, REASONS + 1)))


def model_feature_names(model: LeadConversionModel) -> list[str]:
    """Return the columns the model was fit on, in order."""
    return list(model.schema_.columns)


def format_values(column: pd.Series) -> np.ndarray:
    """Render a column's values for reasons: ``True``, ``72.5``, ``events``, ``missing``."""
    missing = column.isna().to_numpy()
    if pd.api.types.is_bool_dtype(column.dtype):
        text = np.where(column.fillna(False).to_numpy(dtype=bool), "True", "False")
    elif pd.api.types.is_numeric_dtype(column.dtype):
        text = np.char.mod("%g", column.to_numpy(dtype=np.float64, na_value=np.nan))
    else:
        text = column.astype("str").to_numpy(dtype=object)
    return np.where(missing, "missing", text).astype(object)


def top_reasons(
    contributions: pd.DataFrame, values: pd.DataFrame, k: int = REASONS
) -> pd.DataFrame:
    """Write the `k` largest absolute contributions per row as ``feature=value (+0.12)``.

    Parameters
    ----------
    contributions : pd.DataFrame
        SHAP contributions in log-odds, one column per feature (a ``bias`` column is
        ignored), as from `LeadConversionModel.contributions`.
    values : pd.DataFrame
        The feature values, same rows, with every feature column.
    k : int
        Reasons per row; rows with fewer features get empty strings.

    Returns
    -------
    pd.DataFrame
        ``reason_1`` .. ``reason_k``, largest first; ties keep column order.
    """
    names = [column for column in contributions.columns if column != "bias"]
    contrib = contributions[names].to_numpy(dtype=np.float64)
    text = np.column_stack([format_values(values[name]) for name in names])
    order = np.argsort(-np.abs(contrib), axis=1, kind="stable")
    rows = np.arange(len(contrib))
    reasons = {}
    for rank in range(k):
        if rank >= len(names):
            reasons[f"reason_{rank + 1}"] = np.full(len(contrib), "", dtype=object)
            continue
        picked = order[:, rank]
        signed = np.char.mod("%+.2f", contrib[rows, picked]).astype(object)
        reasons[f"reason_{rank + 1}"] = (
            np.asarray(names, dtype=object)[picked] + "=" + text[rows, picked]
            + " (" + signed + ")")
    return pd.DataFrame(reasons)


def score_leads(
    model: LeadConversionModel, features: pd.DataFrame, cltv: pd.Series | None = None
) -> pd.DataFrame:
    """P(convert), expected value and the three main reasons for each lead.

    Parameters
    ----------
    model : LeadConversionModel
        A fitted model.
    features : pd.DataFrame
        ``lead_id``, ``channel`` and every column the model was fit on (from
        `features.leads.build_lead_features`); other columns are ignored.
    cltv : pd.Series or None
        CLTV of a new customer by channel; None leaves ``expected_value`` empty.

    Returns
    -------
    pd.DataFrame
        ``lead_id``, ``p_convert``, ``expected_value`` (``p_convert * cltv`` of the lead's
        channel; NaN without it) and ``reason_1..3``, in the order of `features`.

    Raises
    ------
    features._checks.MissingColumnsError
        Naming every column the model needs that `features` lacks.
    """
    columns = model_feature_names(model)
    require_columns(features, ["lead_id", "channel", *columns], "leads")
    rows = features[columns]
    probability = p_convert(model, features).to_numpy()
    value = np.full(len(rows), np.nan)
    if cltv is not None:
        value = probability * features["channel"].astype("str").map(cltv).to_numpy(
            dtype=np.float64, na_value=np.nan)
    scores = pd.DataFrame({"lead_id": features["lead_id"].astype("str").to_numpy(),
                           "p_convert": probability, "expected_value": value})
    reasons = top_reasons(model.contributions(rows), rows.reset_index(drop=True))
    return pd.concat([scores, reasons], axis=1)


def p_convert(model: LeadConversionModel, features: pd.DataFrame) -> pd.Series:
    """Return the calibrated P(convert) of each lead, indexed by ``lead_id`` (text)."""
    columns = model_feature_names(model)
    require_columns(features, ["lead_id", *columns], "leads")
    ids = features["lead_id"].astype("str").to_numpy()
    if not len(features):  # e.g. no referred leads: nothing to predict, and LightGBM refuses
        return pd.Series(np.array([], dtype=np.float64), index=ids, name="p_convert")
    return pd.Series(model.predict_proba(features[columns])[:, 1], index=ids, name="p_convert")
