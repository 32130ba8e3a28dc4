"""Typed params of stage ``monitor``: KPI windows, bands, persistence and the report window."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from features.kpi_windows import SeriesWindows
from models.monitoring.alerts import AlertRule
from models.monitoring.bands import BandConfig
from models.monitoring.exposure import ExposureConfig
from models.monitoring.monitor import MonitorConfig
from pipelines.params import flag, integer, number

SECTION = "monitor"
T = TypeVar("T")


@dataclass(frozen=True)
class MonitorParams:
    """Params of stage ``monitor``: the run's configuration (it draws nothing at random)."""

    config: MonitorConfig


def _int(section: dict[str, Any], key: str, high: int = 3650) -> int:
    return integer(section, key, SECTION, 1, high)


def _later(section: dict[str, Any], key: str, default: T, read: Callable[..., T],
           *bounds: float) -> T:
    """Read a key added after the first release: a params file without it keeps ``default``."""
    return read(section, key, SECTION, *bounds) if key in section else default


def parse_monitor(section: dict[str, Any], seed: int) -> MonitorParams:
    """Validate the ``monitor`` section; ``seed`` is accepted for symmetry and unused."""
    del seed  # every step is deterministic
    level_weeks, guard_weeks = _int(section, "level_weeks", 104), _int(section, "guard_weeks", 52)
    windows = SeriesWindows(
        reference_weeks=level_weeks, guard_weeks=guard_weeks,
        horizon_days=_int(section, "horizon_days"),
        stage_horizon_days=_int(section, "stage_horizon_days"),
        pool_stages=_later(section, "pool_stages", SeriesWindows.pool_stages, flag),
        period_weeks=_int(section, "period_weeks", 52),
        churn_weeks=_int(section, "churn_weeks", 52),
        active_days=_int(section, "active_days"),
        lapse_gaps=number(section, "lapse_gaps", SECTION, 1.0, 100.0),
        churn_evidence=_later(section, "churn_evidence", SeriesWindows.churn_evidence, flag),
        churn_lifetime_days=_later(section, "churn_lifetime_days",
                                   SeriesWindows.churn_lifetime_days, number, 30.0, 36500.0),
        rest_weeks=_later(section, "rest_weeks", SeriesWindows.rest_weeks, integer, 0, 52))
    bands = BandConfig(
        interval_level=number(section, "interval_level", SECTION, 0.5, 0.9999),
        level_weeks=level_weeks, guard_weeks=guard_weeks,
        calibration_weeks=_int(section, "calibration_weeks", 156),
        pool_dispersion=_later(section, "pool_dispersion", BandConfig.pool_dispersion, flag))
    rule = AlertRule(allowance=number(section, "allowance", SECTION, 0.0, 10.0),
                     min_change=number(section, "min_change", SECTION, 0.0, 1.0),
                     min_cycle_change=number(section, "min_cycle_change", SECTION, 0.0, 1.0),
                     min_conversion_change=_later(section, "min_conversion_change",
                                                  AlertRule.min_conversion_change, number,
                                                  0.0, 1.0),
                     min_segment_conversion_change=_later(
                         section, "min_segment_conversion_change",
                         AlertRule.min_segment_conversion_change, number, 0.0, 1.0),
                     false_alarm_weeks=number(section, "false_alarm_weeks", SECTION, 1.0, 1e6),
                     merge_weeks=_int(section, "merge_weeks", 52))
    exposure = ExposureConfig(enabled=flag(section, "spend_aware", SECTION),
                              refit_weeks=_int(section, "refit_weeks", 104),
                              guard_weeks=guard_weeks)  # fits end where the bands' guard does
    return MonitorParams(MonitorConfig(
        windows=windows, bands=bands, exposure=exposure, rule=rule,
        report_weeks=_int(section, "report_weeks", 520),
        top_drivers=_int(section, "top_drivers", 20),
        drill_limit=integer(section, "drill_limit", SECTION, 0, 1000)))
