"""Global budget allocation over separable, non-decreasing channel value curves.

An exact dynamic programme on a budget grid finds the global basin (S-shaped curves
included); a second programme on a 64x finer grid, in a window of a few cells around that
solution, polishes it; a programme over cell-wise ceilings gives a certified upper bound
on the continuous optimum.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
ValueFn = Callable[[FloatArray], FloatArray]

_BLOCK = 2048


class InfeasibleAllocationError(ValueError):
    """The budget cannot be met within the channel bounds."""


@dataclass(frozen=True)
class AllocationResult:
    """A plan, its value and the optimality certificate.

    Attributes
    ----------
    spend : numpy.ndarray
        Spend per channel; sums to the budget.
    value : float
        Objective value of ``spend``.
    upper_bound : float
        Proven upper bound on the best achievable value (for non-decreasing curves).
    """

    spend: FloatArray
    value: float
    upper_bound: float

    @property
    def gap(self) -> float:
        """Relative optimality gap ``(upper_bound - value) / |value|``, 0 when value is 0."""
        if self.value == 0:
            return 0.0 if self.upper_bound <= 0 else float("inf")
        return max(0.0, (self.upper_bound - self.value) / abs(self.value))


CERTIFICATE_TARGET = 1e-3
MAX_BOUND_CELLS = 16_000  # the ceiling programme's cost grows with the square of its cells


def default_grid_size(n_channels: int) -> int:
    """Cells of the global-search programme; the fine polish recovers the precision."""
    return int(min(8_000, max(2_000, 300 * n_channels)))


def bound_grid_size(n_channels: int) -> int:
    """Cells of the ceiling programme, used when the Lagrangian bound is not tight enough."""
    return int(min(20_000, max(4_000, 1_000 * n_channels)))


def refined_grid_sizes(n_channels: int) -> list[int]:
    """Cell counts the ceiling programme tries in turn: doubling, up to `MAX_BOUND_CELLS`.

    Its slack is about one cell's value per channel, so each doubling halves it.
    """
    first = bound_grid_size(n_channels)
    return [first] + [cells for cells in (2 * first, 4 * first) if cells <= MAX_BOUND_CELLS]


def lagrangian_bound(
    value_fns: Sequence[ValueFn], budget: float, lower: FloatArray, upper: FloatArray,
    points: int = 20_001,
) -> float:
    """Weak-duality bound ``min_lam lam*B + sum_c max_s [f_c(s) - lam*s]`` on the optimum.

    Valid for any non-decreasing curves: on each grid cell ``[s_i, s_i+1]``,
    ``f(s) - lam*s <= f(s_i+1) - lam*s_i``. It is tight when no channel's optimum sits on
    the convex part of an S-curve; otherwise the ceiling programme is the fallback.
    """
    grids = [np.linspace(lo, hi, points if hi > lo else 1) for lo, hi in
             zip(lower, upper, strict=True)]
    values = [np.asarray(fn(g), dtype=np.float64) for fn, g in zip(value_fns, grids, strict=True)]
    heads = [v[1:] if v.size > 1 else v for v in values]
    tails = [g[:-1] if g.size > 1 else g for g in grids]

    def dual(lam: float) -> float:
        inner = (float(np.max(h - lam * t)) for h, t in zip(heads, tails, strict=True))
        return lam * budget + sum(inner)

    slopes = [np.max(np.diff(v) / np.diff(g))
              for v, g in zip(values, grids, strict=True) if g.size > 1]
    low, high = 0.0, float(max(slopes, default=0.0)) * 1.01 + 1e-12
    ratio = (np.sqrt(5.0) - 1) / 2
    for _ in range(80):  # golden section on a convex function of lam
        a, b = high - ratio * (high - low), low + ratio * (high - low)
        if dual(a) <= dual(b):
            high = b
        else:
            low = a
    return min(dual(low), dual(high), dual(0.0))


def _maxplus_step(
    previous: FloatArray, gains: FloatArray
) -> tuple[FloatArray, NDArray[np.int32]]:
    """One channel of the programme: ``new[b] = max_k gains[k] + previous[b - k]``."""
    n = previous.size
    cap = gains.size - 1
    padded = np.concatenate([np.full(cap, -np.inf), previous])
    windows = sliding_window_view(padded, cap + 1)  # row b holds previous[b-cap .. b]
    best = np.empty(n)
    arg = np.empty(n, dtype=np.int32)
    reversed_gains = gains[::-1]
    for start in range(0, n, _BLOCK):
        block = windows[start : start + _BLOCK] + reversed_gains[None, :]
        idx = np.argmax(block, axis=1)
        best[start : start + _BLOCK] = block[np.arange(block.shape[0]), idx]
        arg[start : start + _BLOCK] = cap - idx
    return best, arg


def _run_programme(
    tables: Sequence[FloatArray], n_cells: int, track: bool = True
) -> tuple[float, list[int]]:
    """Maximise the sum of table values with total cells <= n_cells; return value and cells."""
    value = np.zeros(n_cells + 1)
    choices: list[NDArray[np.int32]] = []
    for gains in tables:
        value, arg = _maxplus_step(value, gains)
        if track:
            choices.append(arg)
    best_total = int(np.argmax(value))
    cells: list[int] = []
    remaining = best_total
    for arg in reversed(choices):
        k = int(arg[remaining])
        cells.append(k)
        remaining -= k
    return float(value[best_total]), cells[::-1]


def _total(fns: Sequence[ValueFn], spend: FloatArray) -> float:
    return float(sum(fn(np.array([s]))[0] for fn, s in zip(fns, spend, strict=True)))


def _polish(
    fns: Sequence[ValueFn], start: FloatArray, step: float, lower: FloatArray,
    upper: FloatArray, budget: float, window: int = 3, refine: int = 64,
) -> FloatArray:
    """Re-solve on a ``refine``-times finer grid within ``window`` coarse cells of ``start``."""
    lo = np.maximum(lower, start - window * step)
    hi = np.minimum(upper, start + window * step)
    free = budget - lo.sum()
    if free <= 0:
        return start
    n_fine = int(np.ceil(free / (step / refine)))
    fine = free / n_fine
    caps = np.minimum(n_fine, np.floor((hi - lo) / fine + 1e-9)).astype(int)
    tables = [np.asarray(fn(lo[c] + fine * np.arange(caps[c] + 1)), dtype=np.float64)
              for c, fn in enumerate(fns)]
    _, cells = _run_programme(tables, n_fine)
    candidate = repair_budget(lo + fine * np.asarray(cells, dtype=np.float64), lower, upper,
                               budget)
    return candidate if _total(fns, candidate) >= _total(fns, start) else start


def repair_budget(
    spend: FloatArray, lower: FloatArray, upper: FloatArray, budget: float
) -> FloatArray:
    """Move the residual ``budget - sum(spend)`` onto channels with room, keeping bounds."""
    out = spend.astype(np.float64).copy()
    snap = 1e-9 * max(budget, 1.0)  # solver dust at a bound reads as a real number otherwise
    out = np.where(np.abs(out - lower) <= snap, lower, out)
    out = np.where(np.abs(out - upper) <= snap, upper, out)
    for _ in range(3):
        residual = budget - float(out.sum())
        if abs(residual) <= 1e-12 * max(budget, 1.0):
            break
        room = (upper - out) if residual > 0 else (out - lower)
        share = room / room.sum() if room.sum() > 0 else np.zeros_like(room)
        out = np.clip(out + residual * share, lower, upper)
    return out


def check_feasible(budget: float, lower: FloatArray, upper: FloatArray) -> None:
    """Raise :class:`InfeasibleAllocationError` when bounds cannot meet the budget."""
    if np.any(lower > upper + 1e-9):
        raise InfeasibleAllocationError("a channel's minimum is above its maximum")
    if lower.sum() > budget * (1 + 1e-9):
        raise InfeasibleAllocationError(
            f"minimums sum to {lower.sum():,.2f}, above the budget {budget:,.2f}"
        )
    if upper.sum() < budget * (1 - 1e-9):
        raise InfeasibleAllocationError(
            f"maximums sum to {upper.sum():,.2f}, below the budget {budget:,.2f}"
        )


def maximise_allocation(
    value_fns: Sequence[ValueFn],
    budget: float,
    lower: Sequence[float] | FloatArray,
    upper: Sequence[float] | FloatArray,
    grid_size: int | None = None,
    incumbent: Sequence[float] | FloatArray | None = None,
    certify: bool = True,
) -> AllocationResult:
    """Split ``budget`` across channels to maximise the sum of non-decreasing value curves.

    Parameters
    ----------
    value_fns : sequence of callables
        One vectorised function per channel mapping spend to value; must be non-decreasing
        (the upper bound relies on it).
    budget : float
        Total spend; the plan sums to it exactly (to 1e-9 relative).
    lower, upper : sequence of float
        Per-channel spend bounds.
    grid_size : int, optional
        Cells of the coarse programme; default :func:`default_grid_size`.
    incumbent : sequence of float, optional
        A known plan (such as the current mix); returned instead when it is feasible and
        worth more, so the result is never worse than it.
    certify : bool, default True
        Compute the upper bound; without it ``upper_bound`` is ``value`` (gap 0 unproven).
        Searches over many budgets (see `models.allocation.targets`) skip it.

    Returns
    -------
    AllocationResult
        The plan, its value and a certified upper bound.
    """
    lo = np.asarray(lower, dtype=np.float64)
    hi = np.asarray(upper, dtype=np.float64)
    check_feasible(budget, lo, hi)
    n_cells = grid_size or default_grid_size(len(value_fns))
    free = max(budget - lo.sum(), 0.0)
    if free <= 0:
        return AllocationResult(spend=lo.copy(), value=_total(value_fns, lo),
                                upper_bound=_total(value_fns, lo))
    step = free / n_cells
    caps = np.minimum(n_cells, np.floor((hi - lo) / step + 1e-9)).astype(int)
    grids = [lo[c] + step * np.arange(caps[c] + 1) for c in range(len(value_fns))]
    gains = [np.asarray(fn(g), dtype=np.float64) for fn, g in zip(value_fns, grids, strict=True)]
    _, cells = _run_programme(gains, n_cells)
    start = repair_budget(lo + step * np.asarray(cells, dtype=np.float64), lo, hi, budget)
    spend = _polish(value_fns, start, step, lo, hi, budget)
    spend = _better_incumbent(value_fns, spend, incumbent, lo, hi, budget)
    value = _total(value_fns, spend)
    if not certify:
        return AllocationResult(spend=spend, value=value, upper_bound=value)
    upper_bound = lagrangian_bound(value_fns, budget, lo, hi)
    for bound_cells in refined_grid_sizes(len(value_fns)):
        if upper_bound - value <= CERTIFICATE_TARGET * abs(value):
            break
        upper_bound = min(upper_bound, ceiling_bound(value_fns, budget, lo, hi, bound_cells))
    return AllocationResult(spend=spend, value=value, upper_bound=max(upper_bound, value))


def ceiling_bound(
    value_fns: Sequence[ValueFn], budget: float, lo: FloatArray, hi: FloatArray, n_cells: int
) -> float:
    """Programme over cell-wise ceilings ``f(upper end of cell)``: a bound for any curve shape."""
    step = (budget - lo.sum()) / n_cells
    caps = np.minimum(n_cells, np.floor((hi - lo) / step + 1e-9)).astype(int)
    ceilings = [np.asarray(fn(np.minimum(lo[c] + step * (np.arange(caps[c] + 1) + 1), hi[c])),
                           dtype=np.float64) for c, fn in enumerate(value_fns)]
    bound, _ = _run_programme(ceilings, n_cells, track=False)
    return bound


def _better_incumbent(
    fns: Sequence[ValueFn], spend: FloatArray, incumbent: Sequence[float] | FloatArray | None,
    lower: FloatArray, upper: FloatArray, budget: float,
) -> FloatArray:
    """Return the incumbent when it is feasible and worth more than ``spend``."""
    if incumbent is None:
        return spend
    known = np.asarray(incumbent, dtype=np.float64)
    feasible = (abs(known.sum() - budget) <= 1e-9 * max(budget, 1.0)
                and bool(np.all(known >= lower - 1e-9)) and bool(np.all(known <= upper + 1e-9)))
    return known if feasible and _total(fns, known) > _total(fns, spend) else spend
