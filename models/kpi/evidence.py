"""From bootstrap draws to reported weights: the evidence rule, intervals and rationales."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

NO_EVIDENCE = "no evidence"


@dataclass(frozen=True)
class WeightEvidence:
    """Weights after the evidence rule, with the draws that give their intervals.

    Attributes
    ----------
    kpis : tuple of str
        KPI names, in column order.
    point : numpy.ndarray
        Null-corrected importance share of each KPI on all teams (sums to 1 or is all 0).
    weights : numpy.ndarray
        ``point`` with KPIs lacking evidence set to 0, renormalised to sum to 1.
    raw_draws : numpy.ndarray
        (draws, kpis) team-bootstrap weights before the evidence rule.
    kept_draws : numpy.ndarray
        ``raw_draws`` with KPIs lacking evidence set to 0, each draw renormalised.
    evidence : numpy.ndarray
        True where the lower interval bound of ``raw_draws`` is above 0.
    level : float
        Interval coverage (0.9).
    fallback : bool
        True when no KPI had evidence and ``weights`` fall back to ``point`` (or equal
        weights when ``point`` is all 0), so that the weights still sum to 1.
    """

    kpis: tuple[str, ...]
    point: np.ndarray
    weights: np.ndarray
    raw_draws: np.ndarray
    kept_draws: np.ndarray
    evidence: np.ndarray
    level: float
    fallback: bool


def renormalise(weights: np.ndarray) -> np.ndarray:
    """Scale the last axis to sum to 1; rows summing to 0 become NaN."""
    total = weights.sum(axis=-1, keepdims=True)
    return np.divide(weights, total, out=np.full(weights.shape, np.nan), where=total > 0)


def percentile_interval(draws: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Equal-tailed percentile interval per column, ignoring NaN draws (NaN if none)."""
    tail = 100.0 * (1.0 - level) / 2.0
    finite = ~np.isnan(draws).all(axis=1)
    if not finite.any():
        empty = np.full(draws.shape[1], np.nan)
        return empty, empty.copy()
    low, high = np.nanpercentile(draws[finite], [tail, 100.0 - tail], axis=0)
    return np.asarray(low), np.asarray(high)


def weigh_evidence(
    kpis: tuple[str, ...], point: np.ndarray, draws: np.ndarray, level: float,
    passed: np.ndarray | None = None,
) -> WeightEvidence:
    """Apply the evidence rule: a KPI whose interval reaches 0 is weighted 0.

    Parameters
    ----------
    kpis : tuple of str
        KPI names.
    point : numpy.ndarray
        (kpis,) weights on all teams.
    draws : numpy.ndarray
        (draws, kpis) team-bootstrap weights.
    level : float
        Interval coverage in (0, 1).
    passed : numpy.ndarray, optional
        (kpis,) a further test each KPI must pass as well (e.g. a minimum effect).

    Returns
    -------
    WeightEvidence
        The weights, which always sum to 1.
    """
    low, _ = percentile_interval(draws, level)
    evidence = np.nan_to_num(low, nan=0.0) > 0
    if passed is not None:
        evidence = evidence & passed
    kept = np.where(evidence, point, 0.0)
    fallback = not kept.sum() > 0
    if fallback:
        kept = point if point.sum() > 0 else np.ones_like(point)
    return WeightEvidence(
        kpis=tuple(kpis), point=point, weights=kept / kept.sum(), raw_draws=draws,
        kept_draws=renormalise(np.where(evidence, draws, 0.0)) if not fallback else draws,
        evidence=evidence, level=level, fallback=fallback,
    )


def weight_intervals(evidence: WeightEvidence) -> pd.DataFrame:
    """Weight, interval and whether the interval had to be widened to contain the weight.

    KPIs with evidence take their interval from the draws after the evidence rule; the
    others from the draws before it (so the interval shows how close they came).

    Returns
    -------
    pandas.DataFrame
        Indexed by KPI: ``weight``, ``weight_low``, ``weight_high``, ``widened``.
    """
    kept_low, kept_high = percentile_interval(evidence.kept_draws, evidence.level)
    raw_low, raw_high = percentile_interval(evidence.raw_draws, evidence.level)
    use_kept = evidence.evidence | evidence.fallback
    low = np.where(use_kept, kept_low, raw_low)
    high = np.where(use_kept, kept_high, raw_high)
    weights = evidence.weights
    low, high = np.nan_to_num(low, nan=0.0), np.nan_to_num(high, nan=0.0)
    widened = (weights < low) | (weights > high)
    return pd.DataFrame({
        "weight": weights, "weight_low": np.minimum(low, weights),
        "weight_high": np.maximum(high, weights), "widened": widened,
    }, index=pd.Index(evidence.kpis, name="kpi"))


@dataclass(frozen=True)
class GainFacts:
    """What a rationale quotes: how much lower the held-out error is with each KPI.

    Attributes
    ----------
    reduction : numpy.ndarray
        (kpis,) share by which the held-out squared error is lower with the KPI than with
        its values shuffled (negative: shuffling it helped).
    reduction_low, reduction_high : numpy.ndarray
        (kpis,) the interval of ``reduction`` over the team bootstrap.
    n_teams, n_months : int
        Teams and months behind the evidence.
    outcome : str
        The outcome in plain words (e.g. "next-quarter value net of spend").
    phase : str
        The phase whose outcome it is.
    floor : float
        The lower end of the interval a KPI needs above it to have evidence.
    within_only : tuple of str
        KPIs judged within teams only (volume KPIs); their rationale says so.
    """

    reduction: np.ndarray
    reduction_low: np.ndarray
    reduction_high: np.ndarray
    n_teams: int
    n_months: int
    outcome: str
    phase: str
    floor: float = 0.0
    within_only: tuple[str, ...] = ()


def error_change(reduction: float) -> str:
    """Say ``x% less`` (or ``x% more``) squared error in words."""
    return f"{reduction:.1%} less" if reduction >= 0 else f"{-reduction:.1%} more"


def rationale(
    kpi: str, direction: str, facts: GainFacts, position: int, interval: Mapping[str, Any],
    has_evidence: bool, fallback: bool,
) -> str:
    """Write one plain sentence, from the numbers, on why ``kpi`` has its weight.

    Parameters
    ----------
    kpi, direction : str
        The KPI and ``higher_is_better`` or ``lower_is_better``.
    facts : GainFacts
        Error reductions, their intervals, teams, months, outcome and phase.
    position : int
        The KPI's position in ``facts``.
    interval : mapping of str to Any
        ``weight``, ``weight_low``, ``weight_high``, ``widened`` of the KPI.
    has_evidence, fallback : bool
        Whether the KPI passed the evidence rule; whether no KPI did.
    """
    low, high = facts.reduction_low[position], facts.reduction_high[position]
    gain = (f"{facts.outcome} is predicted with {error_change(facts.reduction[position])} "
            f"squared error with {kpi} than with its values shuffled (90%: {low:.1%} to "
            f"{high:.1%} less), on {facts.n_teams} held-out teams over {facts.n_months} months")
    if kpi in facts.within_only:
        gain += (f", comparing each team with itself only (a team can inflate {kpi} without "
                 "creating value, so its level across teams is not taken as evidence)")
    span = f"{interval['weight_low']:.2f}-{interval['weight_high']:.2f}"
    widened = "; interval widened to include the estimate" if interval["widened"] else ""
    if not has_evidence and not fallback:
        return (f"{NO_EVIDENCE} under the {facts.phase} phase: {gain}; the low end of that "
                f"interval is not above {facts.floor:.0%}, so {kpi} is weighted 0.")
    lead = "weak evidence (no KPI cleared the rule; weight kept from the point estimate): " \
        if fallback else ""
    change = "higher" if direction == "higher_is_better" else "lower"
    return (f"{lead}{gain[0].upper()}{gain[1:]}; teams with {change} {kpi} did better. "
            f"Weight {interval['weight']:.2f} (90% {span}){widened}.")


def weight_table(
    evidence: WeightEvidence, directions: pd.Series, facts: GainFacts
) -> pd.DataFrame:
    """Return ``kpi, weight, weight_low, weight_high, direction, rationale``, by weight.

    Parameters
    ----------
    evidence : WeightEvidence
        Weights and draws.
    directions : pandas.Series
        Direction, indexed by KPI.
    facts : GainFacts
        What the rationales quote.
    """
    intervals = weight_intervals(evidence).to_dict(orient="index")
    rows = []
    for position, kpi in enumerate(evidence.kpis):
        row = {str(key): value for key, value in intervals[kpi].items()}
        rows.append({
            "kpi": kpi, "weight": float(row["weight"]), "weight_low": float(row["weight_low"]),
            "weight_high": float(row["weight_high"]), "direction": str(directions[kpi]),
            "rationale": rationale(kpi, str(directions[kpi]), facts, position, row,
                                   bool(evidence.evidence[position]), evidence.fallback),
        })
    table = pd.DataFrame(rows, columns=["kpi", "weight", "weight_low", "weight_high",
                                        "direction", "rationale"])
    return table.sort_values(["weight", "kpi"], ascending=[False, True], ignore_index=True)
