"""The planner's view of risk: a plan's value across the bootstrap draws, and a safer plan.

The safer plan maximises expected value minus ``risk_aversion`` times its standard deviation,
without letting its p10 fall below the risk-neutral plan's.

Draw ``b`` pairs bootstrap curve set ``b`` with row ``b`` of the value-per-unit draws, as the
plan's bands do. The expected value is the point-curve value that the risk-neutral plan
maximises, so ``risk_aversion = 0`` is that plan exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from models.allocation.optimizer import maximise_allocation, repair_budget
from models.allocation.plan import Bounds
from models.response.model import ChannelCurve, FloatArray
from models.response.uncertainty import CurveSet

_SPEND_FLOOR = 1e-3  # a concave curve's slope at zero spend is infinite; the gradient caps it


@dataclass(frozen=True)
class ValueSpread:
    """A plan's weekly value: the point estimate and its spread across the draws."""

    expected: float
    sd: float
    p10: float
    p50: float
    p90: float


@dataclass(frozen=True)
class CurveArrays:
    """Curve parameters as arrays: row 0 the point curves, rows 1.. the bootstrap draws.

    ``weight`` is the value per unit of each row and channel.
    """

    base: FloatArray
    top: FloatArray
    half: FloatArray
    shape: FloatArray
    weight: FloatArray


def curve_arrays(
    curve_set: CurveSet, channels: list[str], vpu: FloatArray, vpu_draws: FloatArray
) -> CurveArrays:
    """Stack the point curves and the bootstrap draws of ``channels`` into arrays."""
    rows: list[Sequence[ChannelCurve]] = [[curve_set.channel(c) for c in channels]]
    for draw in curve_set.bootstrap:
        by_name = {c.channel: c for c in draw}
        rows.append([by_name[c] for c in channels])

    def stack(name: str) -> FloatArray:
        return np.array([[getattr(c, name) for c in row] for row in rows], dtype=np.float64)

    return CurveArrays(base=stack("base"), top=stack("max_response"),
                       half=stack("half_saturation"), shape=stack("shape"),
                       weight=np.vstack([np.asarray(vpu, dtype=np.float64)[None, :], vpu_draws]))


def row_values(arrays: CurveArrays, spend: FloatArray) -> FloatArray:
    """Value of each (row, channel) at ``spend``: ``weight * (base + top * hill)``."""
    ratio = np.power(np.clip(spend, 0.0, None)[None, :] / arrays.half, arrays.shape)
    return arrays.weight * (arrays.base + arrays.top * ratio / (1.0 + ratio))


def row_slopes(arrays: CurveArrays, spend: FloatArray) -> FloatArray:
    """Return the derivative of :func:`row_values` with respect to each channel's spend."""
    s = np.maximum(spend, _SPEND_FLOOR)[None, :]
    ratio = np.power(s / arrays.half, arrays.shape)
    return arrays.weight * arrays.top * arrays.shape * ratio / (s * (1.0 + ratio) ** 2)


def objective(arrays: CurveArrays, spend: FloatArray, risk_aversion: float) -> float:
    """Return expected value minus ``risk_aversion`` times the sd of the draws' totals."""
    values = row_values(arrays, spend)
    return float(values[0].sum() - risk_aversion * values[1:].sum(axis=1).std())


def objective_gradient(arrays: CurveArrays, spend: FloatArray, risk_aversion: float) -> FloatArray:
    """Return the gradient of :func:`objective` with respect to spend."""
    slopes = row_slopes(arrays, spend)
    totals = row_values(arrays, spend)[1:].sum(axis=1)
    sd = totals.std()
    centred = totals - totals.mean()
    d_sd = (centred[:, None] * slopes[1:]).mean(axis=0) / sd if sd > 0 else 0.0 * slopes[0]
    return np.asarray(slopes[0] - risk_aversion * d_sd, dtype=np.float64)


def spread(arrays: CurveArrays, spend: FloatArray) -> ValueSpread:
    """Return the plan's expected value, and the sd and percentiles of its draws' totals."""
    values = row_values(arrays, spend)
    totals = values[1:].sum(axis=1)
    p10, p50, p90 = (float(q) for q in np.percentile(totals, [10, 50, 90]))
    return ValueSpread(expected=float(values[0].sum()), sd=float(totals.std()),
                       p10=p10, p50=p50, p90=p90)


def _separable_start(
    arrays: CurveArrays, bounds: Bounds, budget: float, risk_aversion: float
) -> FloatArray:
    """Global plan for ``sum_c [value_c - lambda * sd_c]``: a start that sees each channel's risk.

    ``sum_c sd_c`` bounds the sd of the total from above, so this surrogate is cautious.
    """
    def channel_fn(c: int) -> Callable[[FloatArray], FloatArray]:
        def fn(s: FloatArray) -> FloatArray:
            grid = np.asarray(s, dtype=np.float64)
            sub = CurveArrays(*(np.repeat(getattr(arrays, f)[:, [c]], grid.size, axis=1)
                                for f in ("base", "top", "half", "shape", "weight")))
            values = row_values(sub, grid)
            return np.asarray(values[0] - risk_aversion * values[1:].std(axis=0))
        return fn

    fns = [channel_fn(c) for c in range(arrays.base.shape[1])]
    return maximise_allocation(fns, budget, bounds.lower, bounds.upper, certify=False).spend


def _climb(
    arrays: CurveArrays, start: FloatArray, bounds: Bounds, budget: float, risk_aversion: float
) -> FloatArray:
    """Local ascent of :func:`objective` from ``start`` on the budget simplex (SLSQP)."""
    scale = max(abs(objective(arrays, start, risk_aversion)), 1.0)
    found = minimize(
        lambda s: -objective(arrays, s, risk_aversion) / scale, start,
        jac=lambda s: -objective_gradient(arrays, s, risk_aversion) / scale,
        method="SLSQP", bounds=list(zip(bounds.lower, bounds.upper, strict=True)),
        constraints=[{"type": "eq", "fun": lambda s: (s.sum() - budget) / budget,
                      "jac": lambda s: np.ones_like(s) / budget}],
        options={"maxiter": 200, "ftol": 1e-12})
    return repair_budget(np.asarray(found.x, dtype=np.float64), bounds.lower, bounds.upper,
                         budget)


def risk_averse_spend(
    arrays: CurveArrays, neutral: FloatArray, bounds: Bounds, budget: float,
    risk_aversion: float, steps: int = 20,
) -> FloatArray:
    """Return the best plan found for :func:`objective` whose p10 is at least ``neutral``'s.

    Candidates: the risk-neutral plan, the separable cautious plan, a climb from each, and
    ``steps`` points on the segment from the risk-neutral plan to each of them. A safer plan
    must not have a worse downside: with a few dozen draws the sd and the p10 can disagree,
    so candidates whose p10 falls below the risk-neutral plan's are dropped (the risk-neutral
    plan itself always qualifies).
    """
    if budget <= 0 or bounds.lower.sum() >= budget * (1 - 1e-12):
        return neutral
    cautious = _separable_start(arrays, bounds, budget, risk_aversion)
    ends = [cautious, _climb(arrays, neutral, bounds, budget, risk_aversion),
            _climb(arrays, cautious, bounds, budget, risk_aversion)]
    candidates = [neutral] + [
        repair_budget(neutral + t * (end - neutral), bounds.lower, bounds.upper, budget)
        for end in ends for t in np.linspace(0.0, 1.0, steps + 1)[1:]]
    floor = spread(arrays, neutral).p10
    scores = [objective(arrays, c, risk_aversion) if spread(arrays, c).p10 >= floor
              else -np.inf for c in candidates]
    return candidates[int(np.argmax(scores))]
