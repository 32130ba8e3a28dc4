"""Train and judge the lead conversion model: temporal backtest, final model, per-channel P.

The backtest trains on the oldest labelled leads, calibrates on the next time slice and
validates on the newest, beside a logistic-regression baseline. The final model then learns
from every labelled lead and scores the recent ones per channel.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from models.conversion.baseline import logistic_baseline
from models.conversion.evaluation import binary_metrics, gain_curve, reliability_curve
from models.conversion.funnel import channel_conversion, funnel_metrics
from models.conversion.model import LeadConversionModel
from models.conversion.rows import (
    TimeSlices,
    labelled_leads,
    model_columns,
    recent_lead_ids,
    sample_training_rows,
    split_by_time,
)


class FinalCalibration(StrEnum):
    """How the final model is calibrated."""

    CROSS_VALIDATED = "cross_validated"  # out of fold over every labelled lead
    NEWEST_SLICE = "newest_slice"  # on the newest labelled slice, as in the backtest


@dataclass(frozen=True)
class ConversionSettings:
    """Validated settings of stage ``train_conversion``."""

    window_days: float = 120.0
    calibration_fraction: float = 0.15
    validation_fraction: float = 0.2
    final_calibration: FinalCalibration = FinalCalibration.CROSS_VALIDATED
    calibration: str = "sigmoid"
    exclude_features: tuple[str, ...] = ("created_month",)
    recent_weeks: int = 13
    calibration_bins: int = 15
    max_train_rows: int | None = None
    model_params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Backtest:
    """Validation metrics of the model and the baseline, and the curves of the plots."""

    metrics: dict[str, Any]
    reliability: pd.DataFrame
    gain: pd.DataFrame
    validation_features: pd.DataFrame


@dataclass(frozen=True)
class ConversionResult:
    """Everything stage ``train_conversion`` writes."""

    model: LeadConversionModel
    backtest: Backtest
    channel_conversion: pd.DataFrame
    funnel: pd.DataFrame


def new_model(settings: ConversionSettings, seed: int) -> LeadConversionModel:
    """Build an unfitted model with the stage's calibration, model params and seed."""
    return LeadConversionModel(
        calibration=settings.calibration, random_state=seed, **settings.model_params)


def cap_training_rows(
    rows: pd.DataFrame, settings: ConversionSettings, seed: int
) -> pd.DataFrame:
    """Rows a model fits on: all, or at most ``max_train_rows`` (see `sample_training_rows`)."""
    positions = sample_training_rows(rows["converted"].to_numpy(), settings.max_train_rows, seed)
    return rows if positions.size == len(rows) else rows.iloc[positions].reset_index(drop=True)


def describe_training_sample(
    slices: TimeSlices, settings: ConversionSettings
) -> dict[str, Any]:
    """Rows each fit trained on (``rows``) of those it was given (``of``)."""
    def record(n: int) -> dict[str, int]:
        cap = settings.max_train_rows
        return {"rows": n if cap is None else min(n, cap), "of": n}

    final = len(slices.train) + len(slices.calibration)
    if settings.final_calibration is FinalCalibration.CROSS_VALIDATED:
        final += len(slices.validation)
    return {"max_train_rows": settings.max_train_rows, "backtest": record(len(slices.train)),
            "final": record(final)}


def run_backtest(
    slices: TimeSlices, columns: list[str], settings: ConversionSettings, seed: int
) -> Backtest:
    """Fit on the train slice, calibrate on the next one, validate on the newest.

    The baseline fits on train and calibration together (it needs no calibration). The model
    fits on at most ``max_train_rows`` train rows; calibration and validation use every row.
    The baseline uses every row: on 2.5M rows it took 16 s of a 1,000 s stage.

    Returns
    -------
    Backtest
        ``metrics`` holds ``model``, ``baseline`` (see
        `models.conversion.evaluation.binary_metrics`) and ``split`` (rows and date
        range of each slice).
    """
    train, calibration, validation = slices.train, slices.calibration, slices.validation
    fit_rows = cap_training_rows(train, settings, seed)
    model = new_model(settings, seed).fit(
        fit_rows[columns], fit_rows["converted"],
        calibration_set=(calibration[columns], calibration["converted"]))
    older = pd.concat([train, calibration], ignore_index=True)
    baseline = logistic_baseline(older[columns], seed).fit(older[columns], older["converted"])
    y = validation["converted"].to_numpy()
    p_model = model.predict_proba(validation[columns])[:, 1]
    p_baseline = baseline.predict_proba(validation[columns])[:, 1]
    bins = settings.calibration_bins
    gain = gain_curve(y, p_model).rename(columns={"fraction_captured": "model"})
    gain["baseline"] = gain_curve(y, p_baseline)["fraction_captured"]
    gain["random"] = gain["fraction_contacted"]
    metrics = {
        "model": binary_metrics(y, p_model, bins),
        "baseline": binary_metrics(y, p_baseline, bins),
        "split": {name: _describe(frame) for name, frame in
                  (("train", train), ("calibration", calibration), ("validation", validation))},
        "model_config": {"num_leaves": model.config_.params["num_leaves"],
                         "rounds": model.config_.rounds},
    }
    return Backtest(metrics, reliability_curve(y, p_model, bins), gain, validation[columns])


def _describe(frame: pd.DataFrame) -> dict[str, Any]:
    return {"rows": len(frame), "first": frame["created_at"].min(),
            "last": frame["created_at"].max(), "base_rate": float(frame["converted"].mean())}


def fit_final_model(
    slices: TimeSlices, columns: list[str], settings: ConversionSettings, seed: int
) -> LeadConversionModel:
    """Fit the model that scores leads, on every labelled lead.

    ``cross_validated`` trains on all slices and calibrates out of fold; ``newest_slice``
    trains on train + calibration and calibrates on the validation slice. The training rows
    are at most ``max_train_rows`` of them.
    """
    older = pd.concat([slices.train, slices.calibration], ignore_index=True)
    newest = slices.validation
    if settings.final_calibration is FinalCalibration.NEWEST_SLICE:
        older = cap_training_rows(older, settings, seed)
        return new_model(settings, seed).fit(
            older[columns], older["converted"],
            calibration_set=(newest[columns], newest["converted"]))
    every = cap_training_rows(pd.concat([older, newest], ignore_index=True), settings, seed)
    return new_model(settings, seed).fit(every[columns], every["converted"])


def estimation_lead_ids(leads: pd.DataFrame, cutoff: pd.Timestamp, weeks: int) -> pd.Series:
    """Leads of the last `weeks` weeks, plus every lead of a channel with none in them."""
    recent = recent_lead_ids(leads, cutoff, weeks)
    before = leads.loc[leads["created_at"] < cutoff]
    ids = before["lead_id"].astype("str")
    quiet = ~before["channel"].isin(before.loc[ids.isin(recent), "channel"])
    return pd.concat([recent, ids[quiet.to_numpy()]], ignore_index=True)


def train_conversion(
    leads: pd.DataFrame,
    features: pd.DataFrame,
    cutoff: pd.Timestamp,
    settings: ConversionSettings,
    seed: int,
) -> ConversionResult:
    """Backtest, fit the final model, and estimate per-channel P(convert) and funnel rates.

    Parameters
    ----------
    leads : pd.DataFrame
        The prepared leads table (``lead_id``, ``created_at``, ``channel``, ``converted_at``
        and optional ``team``, ``mql_at``, ``sql_at``, attributes).
    features : pd.DataFrame
        `features.leads.build_lead_features(leads, cutoff)`.
    cutoff : pd.Timestamp
        The as-of moment of the features.
    settings : ConversionSettings
        Validated stage settings.
    seed : int
        The one seed.

    Returns
    -------
    ConversionResult
        The final model, the backtest (its metrics with ``training_sample``: the rows each
        fit trained on, of those it was given), per-channel P(convert) over recent leads (see
        `models.conversion.funnel.channel_conversion`) and the funnel metrics.
    """
    columns = [c for c in model_columns(features) if c not in settings.exclude_features]
    labelled = labelled_leads(leads, features, cutoff, settings.window_days)
    slices = split_by_time(labelled, settings.calibration_fraction, settings.validation_fraction)
    backtest = run_backtest(slices, columns, settings, seed)
    backtest = replace(backtest, metrics=backtest.metrics | {
        "training_sample": describe_training_sample(slices, settings)})
    model = fit_final_model(slices, columns, settings, seed)
    ids = estimation_lead_ids(leads, cutoff, settings.recent_weeks)
    scored = features.loc[features["lead_id"].isin(ids)]
    probability = model.predict_proba(scored[columns])[:, 1]
    per_channel = channel_conversion(scored["channel"], np.asarray(probability))
    funnel = funnel_metrics(leads, cutoff, settings.window_days)
    return ConversionResult(model, backtest, per_channel, funnel)


def empty_outputs() -> tuple[pd.DataFrame, ...]:
    """Empty channel, funnel, reliability and gain tables, for an input without leads."""
    names = (
        ("channel", "p_convert", "p_convert_low", "p_convert_high", "leads"),
        ("level", "key", "leads", "mql_to_sql_rate", "sql_to_won_rate",
         "median_days_to_convert"),
        ("bin_low", "bin_high", "mean_predicted", "observed_rate", "count"),
        ("fraction_contacted", "model", "baseline", "random"),
    )
    return tuple(pd.DataFrame(columns=list(columns)) for columns in names)


def compare_to_truth(channels: pd.DataFrame, truth: dict[str, float]) -> dict[str, Any]:
    """Relative error of each channel's P(convert) against a known true value.

    Parameters
    ----------
    channels : pd.DataFrame
        ``channel`` and ``p_convert``, as from `models.conversion.funnel.channel_conversion`.
    truth : dict of str to float
        True P(convert) by channel (e.g. from a simulator's ``truth.json``).

    Returns
    -------
    dict
        ``channels``: per channel ``estimate``, ``truth``, ``relative_error``; and
        ``max_abs_relative_error`` over the channels present in both.
    """
    estimates = dict(zip(channels["channel"].astype("str"),
                         channels["p_convert"].astype("float64"), strict=True))
    rows = {
        name: {"estimate": float(estimate), "truth": float(truth[name]),
               "relative_error": float(estimate / truth[name] - 1.0)}
        for name, estimate in estimates.items() if name in truth
    }
    errors = [abs(row["relative_error"]) for row in rows.values()]
    return {"channels": rows, "max_abs_relative_error": max(errors) if errors else None}
