"""Typed params of stages ``train_conversion`` and ``score_leads``, validated once at the edge."""

from __future__ import annotations

from typing import Any

from models.conversion.calibration import CalibrationMethod
from models.conversion.training import ConversionSettings, FinalCalibration
from pipelines.params import ParamsError

SECTION = "train_conversion"


def _number(section: dict[str, Any], key: str, kind: type, low: float, high: float) -> Any:
    if key not in section:
        raise ParamsError(f"params.yaml: {SECTION}.{key} is missing")
    raw = section[key]
    try:
        value = kind(raw)
    except (TypeError, ValueError) as err:
        raise ParamsError(f"params.yaml: {SECTION}.{key} must be a {kind.__name__}") from err
    if isinstance(raw, bool) or not low <= value <= high:
        raise ParamsError(f"params.yaml: {SECTION}.{key}={raw!r} must be in [{low}, {high}]")
    return value


def _choice(section: dict[str, Any], key: str, kind: type) -> Any:
    try:
        return kind(str(section[key]))
    except KeyError as err:
        raise ParamsError(f"params.yaml: {SECTION}.{key} is missing") from err
    except ValueError as err:
        choices = " | ".join(str(member) for member in kind)  # type: ignore[attr-defined]
        raise ParamsError(f"params.yaml: {SECTION}.{key}={section[key]!r} must be one of "
                          f"{choices}") from err


def _names(section: dict[str, Any], key: str) -> tuple[str, ...]:
    value = section.get(key, [])
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise ParamsError(f"params.yaml: {SECTION}.{key} must be a list of column names")
    return tuple(value)


def parse_train_conversion(section: dict[str, Any]) -> ConversionSettings:
    """Validate the ``train_conversion`` section of params.yaml.

    Parameters
    ----------
    section : dict
        ``conversion_window_days`` (1..3650), ``calibration_fraction`` and
        ``validation_fraction`` (each in (0, 0.5]), ``final_calibration``
        (cross_validated | newest_slice), ``calibration`` (sigmoid | isotonic | none),
        ``exclude_features`` (list of str), ``recent_weeks`` (1..520) and
        ``calibration_bins`` (5..100).

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
        window_days=_number(section, "conversion_window_days", float, 1.0, 3650.0),
        calibration_fraction=_number(section, "calibration_fraction", float, 0.01, 0.5),
        validation_fraction=_number(section, "validation_fraction", float, 0.01, 0.5),
        final_calibration=_choice(section, "final_calibration", FinalCalibration),
        calibration=str(_choice(section, "calibration", CalibrationMethod)),
        exclude_features=_names(section, "exclude_features"),
        recent_weeks=_number(section, "recent_weeks", int, 1, 520),
        calibration_bins=_number(section, "calibration_bins", int, 5, 100),
    )
