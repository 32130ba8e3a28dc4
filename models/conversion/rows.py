"""Training rows for lead conversion: censoring-aware labels, columns, time slices, samples.

A lead is labelled only once its conversion window has closed by the cutoff. Leaving out the
young leads that have not converted yet, but keeping the young ones that have, would
over-represent conversions, so every lead younger than the window is left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from features._checks import require_columns
from features.leads import label_conversions

# Columns of `build_lead_features` that are not model inputs: the key, and the age at the
# cutoff, which is >= the window for every training lead but shorter for every open lead.
NON_MODEL_COLUMNS = ("lead_id", "lead_age_days")


@dataclass(frozen=True)
class TimeSlices:
    """Labelled leads split by creation time: oldest to newest."""

    train: pd.DataFrame
    calibration: pd.DataFrame
    validation: pd.DataFrame


def model_columns(features: pd.DataFrame) -> list[str]:
    """Columns of a lead feature frame that the model uses, in frame order."""
    return [column for column in features.columns if column not in NON_MODEL_COLUMNS]


def labelled_leads(
    leads: pd.DataFrame, features: pd.DataFrame, cutoff: pd.Timestamp, window_days: float
) -> pd.DataFrame:
    """Join lead features to labels, keeping only leads whose window closed by the cutoff.

    Parameters
    ----------
    leads : pd.DataFrame
        Requires ``lead_id``, ``created_at``, ``converted_at``.
    features : pd.DataFrame
        From `features.leads.build_lead_features` at the same cutoff; ``lead_id`` first.
    cutoff : pd.Timestamp
        Outcomes are observed strictly before it.
    window_days : float
        The conversion window.

    Returns
    -------
    pd.DataFrame
        The feature columns plus ``created_at`` and ``converted`` (0/1), for leads created
        at least `window_days` before the cutoff; sorted by ``created_at`` then ``lead_id``.
    """
    require_columns(leads, ("lead_id", "created_at", "converted_at"), "leads")
    labels = label_conversions(leads, cutoff, window_days)
    created = leads[["lead_id", "created_at"]].assign(lead_id=leads["lead_id"].astype("str"))
    matured = created.loc[created["created_at"] <= cutoff - pd.Timedelta(days=window_days)]
    rows = (features.merge(matured, on="lead_id", how="inner", validate="one_to_one")
            .merge(labels[["lead_id", "converted"]], on="lead_id", validate="one_to_one"))
    return rows.sort_values(["created_at", "lead_id"], kind="stable", ignore_index=True)


def split_by_time(
    labelled: pd.DataFrame, calibration_fraction: float, validation_fraction: float
) -> TimeSlices:
    """Split rows sorted by time: train (oldest), calibration, validation (newest).

    Parameters
    ----------
    labelled : pd.DataFrame
        Rows sorted by ``created_at`` (as from :func:`labelled_leads`).
    calibration_fraction, validation_fraction : float
        Shares of the rows in the calibration and validation slices; each > 0 and their
        sum < 1.

    Returns
    -------
    TimeSlices
        Three frames with fresh RangeIndexes.
    """
    if not (calibration_fraction > 0 and validation_fraction > 0
            and calibration_fraction + validation_fraction < 1):
        raise ValueError("calibration and validation fractions must be > 0 and sum to < 1, "
                         f"got {calibration_fraction} and {validation_fraction}")
    n = len(labelled)
    validation_start = n - round(n * validation_fraction)
    calibration_start = validation_start - round(n * calibration_fraction)
    if calibration_start <= 0 or validation_start <= calibration_start or validation_start >= n:
        raise ValueError(f"{n} labelled leads are too few to split into three time slices")
    return TimeSlices(
        train=labelled.iloc[:calibration_start].reset_index(drop=True),
        calibration=labelled.iloc[calibration_start:validation_start].reset_index(drop=True),
        validation=labelled.iloc[validation_start:].reset_index(drop=True),
    )


def open_lead_ids(leads: pd.DataFrame, cutoff: pd.Timestamp, window_days: float) -> pd.Series:
    """Ids of leads still open at the cutoff: not converted and the window not closed."""
    labels = label_conversions(leads, cutoff, window_days)
    return labels.loc[labels["censored"], "lead_id"].reset_index(drop=True)


def recent_lead_ids(leads: pd.DataFrame, cutoff: pd.Timestamp, weeks: int) -> pd.Series:
    """Ids of leads created in the `weeks` weeks before the cutoff, converted or not."""
    recent = (leads["created_at"] >= cutoff - pd.Timedelta(weeks=weeks)) & (
        leads["created_at"] < cutoff)
    return leads.loc[recent, "lead_id"].astype("str").reset_index(drop=True)


def sample_training_rows(target: np.ndarray, max_rows: int | None, seed: int) -> np.ndarray:
    """Sorted positions of the rows to fit on: all of them, or a seeded stratified sample.

    LightGBM's early stopping, which the model needs to size itself, has no Dask version, so
    on data larger than one machine fits in time the model learns from a sample instead.
    Each class keeps its share of ``max_rows`` (at least one row each), drawn with
    ``numpy.random.default_rng(seed)``: the same inputs give the same rows. Positions are
    sorted, so a slice sorted by time stays sorted by time.

    Parameters
    ----------
    target : np.ndarray
        0/1 labels of the rows, shape ``(n,)``.
    max_rows : int or None
        The cap (>= 2); None keeps every row.
    seed : int
        Seeds the draw.

    Returns
    -------
    np.ndarray
        ``arange(n)`` when ``n <= max_rows``, else exactly ``max_rows`` positions.
    """
    labels = np.asarray(target).astype(bool)
    if max_rows is None or labels.size <= max_rows:
        return np.arange(labels.size)
    if max_rows < 2:
        raise ValueError(f"max_rows must be None or >= 2, got {max_rows}")
    share = round(max_rows * float(labels.mean()))
    positive = int(np.clip(share, min(1, labels.sum()), max_rows - min(1, (~labels).sum())))
    rng = np.random.default_rng(seed)
    drawn = [rng.choice(np.flatnonzero(labels == flag), size=size, replace=False)
             for flag, size in ((False, max_rows - positive), (True, positive))]
    return np.sort(np.concatenate(drawn))
