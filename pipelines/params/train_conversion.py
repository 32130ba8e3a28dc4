"""Typed params of stages ``train_conversion`` and ``score_leads``, validated once at the edge."""

from __future__ import annotations

from typing import Any

from models.conversion.calibration import CalibrationMethod
from models.conversion.training import ConversionSettings, FinalCalibration
from pipelines.params import choice, integer, names, number

SECTION = "train_conversion"


def parse_train_conversion(section: dict[str, Any]) -> ConversionSettings:
    """Validate the ``train_conversion`` section of params.yaml.

    Parameters
    ----------
    section : dict
        ``conversion_window_days`` (1..3650), ``calibration_fraction`` and
        ``validation_fraction`` (each in (0, 0.5]), ``final_calibration``
        (cross_validated | newest_slice), ``calibration`` (sigmoid | isotonic | none),
        ``exclude_features`` (list of str), ``recent_weeks`` (1..520),
        ``calibration_bins`` (5..100), ``max_train_rows`` (1000..1e9, or null for no cap) and
        ``n_jobs`` (LightGBM threads, 1..256).

    Returns
    -------
    ConversionSettings
        Typed settings.

    Raises
    ------
    ParamsError
        Naming the key that is missing or out of range.
    """
    return ConversionSettings(
        window_days=number(section, "conversion_window_days", SECTION, 1.0, 3650.0),
        calibration_fraction=number(section, "calibration_fraction", SECTION, 0.01, 0.5),
        validation_fraction=number(section, "validation_fraction", SECTION, 0.01, 0.5),
        final_calibration=choice(section, "final_calibration", SECTION, FinalCalibration),
        calibration=str(choice(section, "calibration", SECTION, CalibrationMethod)),
        exclude_features=names(section, "exclude_features", SECTION),
        recent_weeks=integer(section, "recent_weeks", SECTION, 1, 520),
        calibration_bins=integer(section, "calibration_bins", SECTION, 5, 100),
        max_train_rows=_cap(section),
        model_params=_threads(section),
    )


def _threads(section: dict[str, Any]) -> dict[str, Any]:
    """``n_jobs`` for the model; one thread is its default (None), left out of the params."""
    threads = integer(section, "n_jobs", SECTION, 1, 256)
    return {"n_jobs": threads} if threads > 1 else {}


def _cap(section: dict[str, Any]) -> int | None:
    """Return ``max_train_rows``: required, null for no cap."""
    if "max_train_rows" in section and section["max_train_rows"] is None:
        return None
    return integer(section, "max_train_rows", SECTION, 1_000, 1_000_000_000)
