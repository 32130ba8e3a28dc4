"""Typed params of stage ``kpi_weights``, validated at the edge."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from features.kpis import KpiWindows
from models.kpi.phases import Phase
from models.kpi.scorecard import TargetRule
from models.kpi.weights import GROUP_CORRELATION, BoosterSettings
from pipelines.params import ParamsError, choice, integer, number

SECTION = "kpi_weights"


@dataclass(frozen=True)
class KpiWeightsParams:
    """Params of stage ``kpi_weights``: KPI windows, outcome, weight model, phase, targets."""

    phase: Phase
    windows: KpiWindows
    horizon_days: int
    horizon_months: int
    booster: BoosterSettings
    model: dict[str, Any]
    targets: TargetRule


def _group_correlation(section: dict[str, Any]) -> float | None:
    """``group_correlation``: null (each KPI swapped alone), else a number in (0, 1].

    A section without the key gets the model's default, so an older ``params.yaml`` runs
    the current method rather than silently the one that swapped each KPI alone.
    """
    if "group_correlation" not in section:
        return GROUP_CORRELATION
    if section["group_correlation"] is None:
        return None
    value = number(section, "group_correlation", SECTION, 0.0, 1.0)
    if value <= 0.0:
        raise ParamsError(f"params.yaml: {SECTION}.group_correlation={value!r} must be in "
                          "(0, 1], or null to swap each KPI alone")
    return value


def parse_kpi_weights(section: dict[str, Any], seed: int) -> KpiWeightsParams:
    """Validate the ``kpi_weights`` section."""
    phase = choice({"phase": "profit"} | section, "phase", SECTION, Phase)

    def num(key: str, low: float, high: float) -> float:
        return number(section, key, SECTION, low, high)

    def whole(key: str, low: int, high: int) -> int:
        return integer(section, key, SECTION, low, high)

    windows = KpiWindows(conversion_days=whole("conversion_window_days", 1, 365),
                         value_days=whole("value_window_days", 1, 365),
                         cohort_days=whole("cohort_days", 1, 365),
                         retention_days=whole("retention_days", 1, 365))
    booster = BoosterSettings(
        n_estimators=whole("n_estimators", 1, 5000),
        learning_rate=num("learning_rate", 1e-4, 1),
        num_leaves=whole("num_leaves", 2, 256), max_depth=whole("max_depth", -1, 32),
        min_child_samples=whole("min_child_samples", 1, 10_000),
        reg_lambda=num("reg_lambda", 0, 1e6), subsample=num("subsample", 0.05, 1),
        colsample_bytree=num("colsample_bytree", 0.05, 1), n_jobs=whole("n_jobs", 1, 64))
    model = {"n_splits": whole("n_splits", 2, 50),
             "n_cv_repeats": whole("n_cv_repeats", 1, 100),
             "n_permutations": whole("n_permutations", 1, 100),
             "half_window": whole("half_window", 1, 60),
             "ridge_alpha": num("ridge_alpha", 0, 1e6),
             "min_reduction": num("min_reduction", 0, 0.5),
             "n_bootstrap": whole("n_bootstrap", 10, 100_000),
             "interval": num("interval", 0.5, 0.99),
             "group_correlation": _group_correlation(section), "random_state": seed}
    targets = TargetRule(stretch=num("target_stretch", 0, 1),
                         peer_quantile=num("target_peer_quantile", 0.5, 1),
                         recent_months=whole("target_recent_months", 1, 24))
    return KpiWeightsParams(phase=phase, windows=windows,
                            horizon_days=whole("horizon_days", 30, 3650),
                            horizon_months=whole("horizon_months", 1, 24), booster=booster,
                            model=model, targets=targets)
