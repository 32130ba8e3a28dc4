"""Health of the lead-conversion model: input drift (PSI) and calibration since training.

``retrain_recommended`` is raised when a feature's PSI passes ``psi_threshold`` (0.25 is the
usual "significant shift") or when the leads labelled since training show a calibration
error above ``ece_threshold`` on at least ``min_labelled`` leads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

PSI_FLOOR = 1e-4  # a bin empty on one side would make the log infinite


@dataclass(frozen=True)
class HealthConfig:
    """Thresholds of the model-health check."""

    recent_weeks: int = 13
    psi_threshold: float = 0.25
    ece_threshold: float = 0.05
    min_labelled: int = 200
    bins: int = 10


def psi(reference: pd.Series, recent: pd.Series, bins: int) -> float:
    """Return the population stability index of one feature, recent against reference.

    Numbers are cut at the reference's quantiles (``bins`` of them, the maximum included,
    so values above it form a bin); other values are compared level by level. Missing
    values form their own bin.
    """
    if pd.api.types.is_numeric_dtype(reference) and not pd.api.types.is_bool_dtype(reference):
        edges = np.unique(np.nanquantile(reference.to_numpy(dtype=np.float64),
                                         np.linspace(0, 1, bins + 1)[1:]))
        ref = pd.Series(np.searchsorted(edges, reference, side="left")).where(
            reference.notna().to_numpy(), -1)
        new = pd.Series(np.searchsorted(edges, recent, side="left")).where(
            recent.notna().to_numpy(), -1)
    else:
        ref, new = reference.astype("str"), recent.astype("str")
    levels = sorted(set(ref.unique()) | set(new.unique()), key=str)
    p = np.maximum(ref.value_counts(normalize=True).reindex(levels, fill_value=0.0), PSI_FLOOR)
    q = np.maximum(new.value_counts(normalize=True).reindex(levels, fill_value=0.0), PSI_FLOOR)
    return float(np.sum((q - p) * np.log(q / p)))


def feature_psi(reference: pd.DataFrame, recent: pd.DataFrame, columns: list[str],
                bins: int) -> pd.DataFrame:
    """PSI of each column, highest first: ``feature``, ``psi``."""
    rows = [{"feature": column, "psi": psi(reference[column], recent[column], bins)}
            for column in columns if column in reference.columns and column in recent.columns]
    frame = pd.DataFrame(rows, columns=["feature", "psi"])
    return frame.sort_values(["psi", "feature"], ascending=[False, True], ignore_index=True)


def calibration(predicted: np.ndarray, converted: np.ndarray, bins: int) -> dict[str, float]:
    """Return the calibration error (equal-count bins) and the means of labelled leads."""
    n = len(predicted)
    if n == 0:
        return {"n": 0.0}
    order = np.argsort(predicted, kind="stable")
    groups = np.array_split(order, min(bins, n))
    gaps = [len(g) / n * abs(float(predicted[g].mean()) - float(converted[g].mean()))
            for g in groups if len(g)]
    return {"n": float(n), "mean_predicted": float(predicted.mean()),
            "observed_rate": float(converted.mean()), "ece": float(sum(gaps))}


def verdict(drift: pd.DataFrame, calibrated: dict[str, float],
            config: HealthConfig) -> dict[str, Any]:
    """Decide ``retrain_recommended`` and say why (an empty list when it is not)."""
    shifted = drift.loc[drift["psi"].to_numpy(dtype=np.float64) > config.psi_threshold]
    reasons = [f"PSI of {name} is {value:.2f} (> {config.psi_threshold})"
               for name, value in zip(shifted["feature"], shifted["psi"], strict=True)]
    if calibrated.get("n", 0.0) >= config.min_labelled and \
            calibrated["ece"] > config.ece_threshold:
        reasons.append(f"calibration error {calibrated['ece']:.3f} on "
                       f"{int(calibrated['n'])} leads labelled since training "
                       f"(> {config.ece_threshold})")
    return {"retrain_recommended": bool(reasons), "reasons": reasons,
            "max_psi": float(drift["psi"].max()) if len(drift) else None,
            "psi": dict(zip(drift["feature"], drift["psi"].round(4), strict=True)),
            "calibration_since_training": calibrated}


def lead_model_health(model: Any, features: pd.DataFrame, created: pd.Series,
                      converted: pd.Series, trained_until: pd.Timestamp, as_of: pd.Timestamp,
                      window_days: float, config: HealthConfig) -> dict[str, Any]:
    """PSI of the model's features (recent weeks vs training window) and later calibration.

    Parameters
    ----------
    model : LeadConversionModel
        Fitted; its ``feature_names_in_`` are the features checked, ``predict_proba`` scores.
    features : pd.DataFrame
        One row per lead as of ``as_of`` (:func:`features.leads.build_lead_features`).
    created, converted : pd.Series
        ``created_at`` and ``converted_at`` of the same leads, in the same order.
    trained_until : pd.Timestamp
        The training cutoff: leads created ``window_days`` before it were its labels.
    as_of : pd.Timestamp
        The monitoring date; the recent window is the ``recent_weeks`` weeks before it.
    window_days : float
        A lead counts as converted within this many days.
    config : HealthConfig
        Thresholds.
    """
    window = pd.Timedelta(days=window_days)
    training = (created < trained_until - window).to_numpy()
    recent = (created >= as_of - pd.Timedelta(weeks=config.recent_weeks)).to_numpy()
    labelled = ((created >= trained_until - window) & (created < as_of - window)).to_numpy()
    columns = [str(name) for name in getattr(model, "feature_names_in_", [])]
    drift = feature_psi(features.loc[training], features.loc[recent], columns, config.bins)
    calibrated: dict[str, float] = {"n": 0.0}
    if labelled.any():
        predicted = model.predict_proba(features.loc[labelled, columns])[:, 1]
        won = ((converted - created) <= window).to_numpy()[labelled].astype(np.float64)
        calibrated = calibration(np.asarray(predicted, dtype=np.float64), won, config.bins)
    return verdict(drift, calibrated, config) | {
        "training_leads": int(training.sum()), "recent_leads": int(recent.sum())}
