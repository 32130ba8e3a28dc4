"""Incentive plans and KPI schemes as typed values, checked once, with errors naming the key.

A scheme is ``name``, ``weights`` (KPI -> weight) and optional ``directions`` (KPI ->
``higher`` | ``lower``). A plan is base pay, variable pay split between the KPI score and
administrative items, a floor and a cap on attainment, commission tiers and, optionally, the
reward rates of all-staff referral credit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from features._checks import require_columns

HIGHER, LOWER = "higher_is_better", "lower_is_better"
DIRECTION_WORDS = {"higher": HIGHER, "lower": LOWER, HIGHER: HIGHER, LOWER: LOWER}
PLAN_KEYS = {"name", "scheme", "base", "variable", "shares", "admin_attainment", "floor",
             "cap", "kpi_cap", "tiers", "referral"}
SHARE_TOLERANCE = 1e-9


class PlanError(ValueError):
    """A scheme or plan file is missing a key or holds a bad value; the message names both."""


@dataclass(frozen=True)
class Scheme:
    """KPI weights (summing to 1 over KPIs with weight) and the direction of each KPI."""

    name: str
    weights: dict[str, float]
    directions: dict[str, str]


@dataclass(frozen=True)
class Tier:
    """``rate`` of the part of ``kpi`` above ``above`` x its target (a marginal tier)."""

    kpi: str
    above: float
    rate: float


@dataclass(frozen=True)
class IncentivePlan:
    """What a plan pays: base, variable at 100% attainment, shares, floor, caps and tiers."""

    name: str
    scheme: str
    base: float
    variable: float
    kpi_share: float
    admin_share: float
    admin_attainment: float
    floor: float
    cap: float
    kpi_cap: float
    tiers: tuple[Tier, ...]
    referral_rates: tuple[float, float] | None = None  # (direct, support) shares of credit


def _number(raw: Mapping[str, Any], key: str, source: str, low: float, high: float,
            default: float | None = None) -> float:
    if key not in raw:
        if default is None:
            raise PlanError(f"{source}: '{key}' is missing")
        return default
    value = raw[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise PlanError(f"{source}: '{key}' = {value!r} must be a number in [{low}, {high}]")
    return float(value)


def parse_scheme(raw: object, source: str, known_kpis: tuple[str, ...],
                 default_directions: Mapping[str, str]) -> Scheme:
    """Validate a scheme mapping: known KPIs, non-negative weights, ``higher``/``lower``.

    Weights are normalised to sum to 1; a KPI without a direction takes the default one.

    Raises
    ------
    PlanError
        Naming ``source`` and the key at fault.
    """
    if not isinstance(raw, Mapping):
        raise PlanError(f"{source}: a scheme must be a mapping with 'name' and 'weights'")
    weights = raw.get("weights")
    if not isinstance(weights, Mapping) or not weights:
        raise PlanError(f"{source}: 'weights' is missing or empty (KPI: weight)")
    for kpi in weights:
        if kpi not in known_kpis:
            raise PlanError(f"{source}: 'weights.{kpi}' is not a KPI; known: "
                            f"{', '.join(known_kpis)}")
        _number(weights, kpi, f"{source}: weights", 0.0, 1e9)
    total = float(sum(weights.values()))
    if total <= 0:
        raise PlanError(f"{source}: 'weights' are all zero")
    directions = raw.get("directions") or {}
    if not isinstance(directions, Mapping):
        raise PlanError(f"{source}: 'directions' must map KPI to higher or lower")
    for kpi, word in directions.items():
        if kpi not in known_kpis or word not in DIRECTION_WORDS:
            raise PlanError(f"{source}: 'directions.{kpi}' = {word!r} must be higher or "
                            "lower for a known KPI")
    return Scheme(name=str(raw.get("name") or source),
                  weights={str(k): float(v) / total for k, v in weights.items()},
                  directions={kpi: DIRECTION_WORDS[str(directions.get(kpi, default_directions
                                                                      .get(kpi, HIGHER)))]
                              for kpi in weights})


def _tiers(raw: object, source: str, known_kpis: tuple[str, ...]) -> tuple[Tier, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise PlanError(f"{source}: 'tiers' must be a list of {{kpi, above, rate}}")
    tiers = []
    for i, item in enumerate(raw):
        where = f"{source}: tiers[{i}]"
        if not isinstance(item, Mapping) or item.get("kpi") not in known_kpis:
            raise PlanError(f"{where}: 'kpi' must be one of {', '.join(known_kpis)}")
        tiers.append(Tier(kpi=str(item["kpi"]), above=_number(item, "above", where, 0.0, 100.0),
                          rate=_number(item, "rate", where, 0.0, 1.0)))
    return tuple(sorted(tiers, key=lambda tier: (tier.kpi, tier.above)))


def parse_plan(raw: object, source: str, known_kpis: tuple[str, ...]) -> IncentivePlan:
    """Validate a plan mapping (see the module docstring); shares must sum to 1.

    Raises
    ------
    PlanError
        Naming ``source`` and the key at fault.
    """
    if not isinstance(raw, Mapping):
        raise PlanError(f"{source}: a plan must be a YAML mapping")
    unknown = sorted(set(raw) - PLAN_KEYS)
    if unknown:
        raise PlanError(f"{source}: unknown key(s) {', '.join(unknown)}; known: "
                        f"{', '.join(sorted(PLAN_KEYS))}")
    shares = raw.get("shares")
    if not isinstance(shares, Mapping) or set(shares) != {"kpi", "admin"}:
        raise PlanError(f"{source}: 'shares' must map kpi and admin to their share of the "
                        "variable pay")
    kpi_share = _number(shares, "kpi", f"{source}: shares", 0.0, 1.0)
    admin_share = _number(shares, "admin", f"{source}: shares", 0.0, 1.0)
    if abs(kpi_share + admin_share - 1.0) > SHARE_TOLERANCE:
        raise PlanError(f"{source}: 'shares' kpi {kpi_share:g} + admin {admin_share:g} = "
                        f"{kpi_share + admin_share:g}, must sum to 1")
    cap = _number(raw, "cap", source, 0.0, 100.0, default=2.0)
    floor = _number(raw, "floor", source, 0.0, cap, default=0.0)
    return IncentivePlan(
        name=str(raw.get("name") or source), scheme=str(raw.get("scheme", "suggested")),
        base=_number(raw, "base", source, 0.0, 1e12),
        variable=_number(raw, "variable", source, 0.0, 1e12),
        kpi_share=kpi_share, admin_share=admin_share,
        admin_attainment=_number(raw, "admin_attainment", source, 0.0, cap, default=1.0),
        floor=floor, cap=cap, kpi_cap=_number(raw, "kpi_cap", source, 0.0, 100.0, default=2.0),
        tiers=_tiers(raw.get("tiers"), source, known_kpis),
        referral_rates=_referral(raw.get("referral"), source))


def _referral(raw: object, source: str) -> tuple[float, float] | None:
    """Return the (direct, support) reward rates of referral credit, when the plan has them."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise PlanError(f"{source}: 'referral' must map direct_rate and support_rate")
    where = f"{source}: referral"
    direct = _number(raw, "direct_rate", where, 0.0, 1.0)
    support = _number(raw, "support_rate", where, 0.0, 1.0)
    if support > direct:
        raise PlanError(f"{where}: 'support_rate' {support:g} is above 'direct_rate' {direct:g};"
                        " bringing a deal should pay more than supporting one")
    return direct, support


def suggested_scheme(weights: pd.DataFrame) -> Scheme:
    """Return the scheme of the suggested weights table (``kpi``, ``weight``, ``direction``)."""
    require_columns(weights, ("kpi", "weight", "direction"), "kpi_weights")
    kept = weights.loc[weights["weight"] > 0]
    if kept.empty:
        raise PlanError("kpi_weights: no KPI has a suggested weight above 0")
    total = float(kept["weight"].sum())
    return Scheme("suggested", {str(k): float(w) / total for k, w in
                                zip(kept["kpi"], kept["weight"], strict=True)},
                  {str(k): DIRECTION_WORDS.get(str(d), HIGHER) for k, d in
                   zip(kept["kpi"], kept["direction"], strict=True)})


def volume_scheme() -> Scheme:
    """Return the volume-only scheme: leads and new customers, equal weights, more is better."""
    return Scheme("volume-only (leads, new customers)", {"leads": 0.5, "new_customers": 0.5},
                  {"leads": HIGHER, "new_customers": HIGHER})
