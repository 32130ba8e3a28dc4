"""Typed params of the response and allocation stages, validated at the edge."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from features.kpis import KpiWindows
from models.kpi_profiles import Profile
from models.kpi_weights import BoosterSettings
from models.scorecard import TargetRule
from pipelines.params import ParamsError


def _number(section: dict[str, Any], key: str, name: str, low: float, high: float) -> float:
    try:
        value = float(section[key])
    except (KeyError, TypeError, ValueError) as err:
        raise ParamsError(f"params.yaml: {name}.{key} must be a number") from err
    if not low <= value <= high:
        raise ParamsError(f"params.yaml: {name}.{key}={value} must be in [{low}, {high}]")
    return value


@dataclass(frozen=True)
class FitResponseParams:
    """Params of stage ``fit_response``."""

    response: str
    fourier_order: int
    n_starts: int
    n_bootstrap: int
    block_weeks: int
    holdout_weeks: int
    seed: int

    @classmethod
    def parse(cls, section: dict[str, Any], seed: int) -> FitResponseParams:
        """Validate the ``fit_response`` section."""
        response = str(section.get("response", "auto"))
        if response not in {"auto", "leads", "new_customers"}:
            raise ParamsError("params.yaml: fit_response.response must be auto, leads or "
                              f"new_customers, not {response!r}")
        ints = {k: int(_number(section, k, "fit_response", lo, hi)) for k, lo, hi in [
            ("fourier_order", 0, 6), ("n_starts", 1, 50), ("n_bootstrap", 0, 1000),
            ("block_weeks", 1, 52), ("holdout_weeks", 1, 52)]}
        return cls(response=response, seed=seed, **ints)

    def response_unit(self, has_leads: bool) -> str:
        """Resolve ``auto``: leads when there are any, else new customers."""
        if self.response != "auto":
            return self.response
        return "leads" if has_leads else "new_customers"


@dataclass(frozen=True)
class AllocateParams:
    """Params of stage ``allocate``; ``budget`` None means the current weekly budget."""

    budget: float | None
    frontier_min: float
    frontier_max: float
    frontier_points: int

    @classmethod
    def parse(cls, section: dict[str, Any]) -> AllocateParams:
        """Validate the ``allocate`` section."""
        budget = section.get("budget")
        return cls(
            budget=None if budget is None else _number(section, "budget", "allocate", 0, 1e15),
            frontier_min=_number(section, "frontier_min", "allocate", 0.01, 10),
            frontier_max=_number(section, "frontier_max", "allocate", 0.01, 10),
            frontier_points=int(_number(section, "frontier_points", "allocate", 2, 500)),
        )


@dataclass(frozen=True)
class KpiWeightsParams:
    """Params of stage ``kpi_weights``: KPI windows, outcome, weight model, profile, targets."""

    profile: Profile
    windows: KpiWindows
    horizon_days: int
    horizon_months: int
    booster: BoosterSettings
    model: dict[str, Any]
    targets: TargetRule

    @classmethod
    def parse(cls, section: dict[str, Any], seed: int) -> KpiWeightsParams:
        """Validate the ``kpi_weights`` section."""
        try:
            profile = Profile(str(section.get("profile", "balanced")))
        except ValueError as err:
            raise ParamsError("params.yaml: kpi_weights.profile must be balanced, growth or "
                              f"profit, not {section.get('profile')!r}") from err

        def num(key: str, low: float, high: float) -> float:
            return _number(section, key, "kpi_weights", low, high)

        def whole(key: str, low: float, high: float) -> int:
            return int(num(key, low, high))

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
                 "n_null_repeats": whole("n_null_repeats", 1, 1000),
                 "n_cv_repeats": whole("n_cv_repeats", 1, 100),
                 "n_bootstrap": whole("n_bootstrap", 10, 10_000),
                 "n_bootstrap_null_repeats": whole("n_bootstrap_null_repeats", 1, 100),
                 "interval": num("interval", 0.5, 0.99), "random_state": seed}
        targets = TargetRule(stretch=num("target_stretch", 0, 1),
                             peer_quantile=num("target_peer_quantile", 0.5, 1),
                             recent_months=whole("target_recent_months", 1, 24))
        return cls(profile=profile, windows=windows, horizon_days=whole("horizon_days", 30, 3650),
                   horizon_months=whole("horizon_months", 1, 24), booster=booster, model=model,
                   targets=targets)
