"""Load the fitted artefacts a budget plan needs and make plans: shared by the stage and the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from models.allocation.optimizer import AllocationResult
from models.allocation.plan import (
    Bounds,
    Constraints,
    channel_bounds,
    optimise,
    plan_table,
    probability_plan_beats,
    value_per_unit,
)
from models.allocation.value_draws import value_per_unit_draws
from models.io import read_json
from models.response.model import FloatArray
from models.response.uncertainty import CurveSet, curves_from_dict


class MissingArtefactError(FileNotFoundError):
    """A fitted artefact the plan needs is absent: run the pipeline first."""


@dataclass(frozen=True)
class PlanningInputs:
    """Curves, current spend, history caps and value per unit of the paid channels.

    ``value_draws`` (one row per bootstrap curve set) carries the uncertainty of the value
    per unit into the plan's bands; None keeps the point values.
    """

    curves: CurveSet
    channels: list[str]
    current: FloatArray
    history_cap: FloatArray
    value_per_unit: FloatArray
    value_draws: FloatArray | None = None


@dataclass(frozen=True)
class Plan:
    """A plan's table, optimiser result, bounds, P(plan beats current) and the current value."""

    table: pd.DataFrame
    result: AllocationResult
    bounds: Bounds
    p_beats_current: float
    current_value: float


def _read(path: Path, what: str) -> Path:
    if not path.exists():
        raise MissingArtefactError(f"{what} not found at {path}; run `dvc repro` first")
    return path


def load_planning_inputs(models_dir: Path, predictions_dir: Path, seed: int = 0) -> PlanningInputs:
    """Read curves.json, channel CLTV and channel P(convert); `seed` seeds the value draws."""
    payload = read_json(_read(models_dir / "response" / "curves.json", "response curves"))
    curves = curves_from_dict(payload)
    channels = sorted(c.channel for c in curves.curves if c.paid)
    cltv = pd.read_csv(_read(predictions_dir / "channel_cltv.csv", "channel CLTV"))
    conversion_path = predictions_dir / "channel_conversion.csv"
    conversion = pd.read_csv(conversion_path) if conversion_path.exists() else None
    return PlanningInputs(
        curves=curves,
        channels=channels,
        current=np.array([payload["current_weekly_spend"][c] for c in channels], dtype=float),
        history_cap=np.array([payload["history_cap"][c] for c in channels], dtype=float),
        value_per_unit=value_per_unit(channels, curves.response_unit, cltv, conversion),
        value_draws=value_per_unit_draws(channels, curves.response_unit, cltv, conversion,
                                         len(curves.bootstrap), seed),
    )


def make_plan(
    inputs: PlanningInputs,
    weekly_budget: float,
    constraints: Constraints,
    value_per_unit: FloatArray | None = None,
) -> Plan:
    """Optimise one weekly budget under the constraints.

    ``value_per_unit`` overrides the inputs' values, and then the bands use it as certain.
    """
    vpu = inputs.value_per_unit if value_per_unit is None else value_per_unit
    draws = inputs.value_draws if value_per_unit is None else None
    bounds = channel_bounds(inputs.channels, inputs.current, inputs.history_cap, constraints)
    curves = [inputs.curves.channel(c) for c in inputs.channels]
    result = optimise(curves, vpu, weekly_budget, bounds, incumbent=inputs.current)
    table = plan_table(inputs.curves, inputs.channels, vpu, inputs.current, result, bounds,
                       draws)
    p_beats = probability_plan_beats(
        inputs.curves, inputs.channels, vpu, result.spend, inputs.current, draws
    )
    current_value = float(
        sum(v * c.response(s) for v, c, s in zip(vpu, curves, inputs.current, strict=True))
    )
    return Plan(
        table=table,
        result=result,
        bounds=bounds,
        p_beats_current=p_beats,
        current_value=current_value,
    )
