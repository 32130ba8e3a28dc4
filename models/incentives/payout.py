"""What a plan pays each team: attainment against target, variable pay, tiers and the total.

Attainment of one KPI is value / target for a higher-is-better KPI and target / value for a
lower-is-better one, counted up to ``kpi_cap``; a team's attainment is the scheme-weighted
mean over the KPIs it has (weights renormalised over those). The KPI part of the variable pay
is ``variable x kpi_share x attainment`` between the floor (below it: 0) and the cap; the
administrative part is ``variable x admin_share x admin_attainment``. A tier pays ``rate`` of
the part of a KPI above ``above x`` its target, up to the next tier's threshold.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from features._checks import require_columns
from models.incentives.plan import HIGHER, IncentivePlan, Scheme, Tier

PAYOUT_COLUMNS = ("team", "attainment", "base", "variable", "tier_bonus", "total",
                  "kpis_used", "kpis_missing")


def kpi_attainment(value: float, target: float, direction: str, kpi_cap: float) -> float:
    """Return one KPI's attainment against its target, in ``[0, kpi_cap]``; NaN if unknown."""
    if not (math.isfinite(value) and math.isfinite(target)):
        return math.nan
    if direction == HIGHER:
        ratio = value / target if target > 0 else (kpi_cap if value > 0 else 1.0)
    else:
        ratio = target / value if value > 0 else kpi_cap
    return float(min(max(ratio, 0.0), kpi_cap))


def team_attainment(
    kpis: Mapping[str, float], targets: Mapping[str, float], scheme: Scheme, kpi_cap: float
) -> tuple[float, list[str]]:
    """Return the scheme-weighted attainment over the KPIs the team has, and those it lacks."""
    parts = {kpi: kpi_attainment(float(kpis.get(kpi, math.nan)),
                                 float(targets.get(kpi, math.nan)), scheme.directions[kpi],
                                 kpi_cap)
             for kpi, weight in scheme.weights.items() if weight > 0}
    known = {kpi: value for kpi, value in parts.items() if math.isfinite(value)}
    missing = sorted(set(parts) - set(known))
    total_weight = sum(scheme.weights[kpi] for kpi in known)
    if total_weight <= 0:
        return math.nan, missing
    return sum(scheme.weights[kpi] * value for kpi, value in known.items()) / total_weight, missing


def variable_pay(attainment: float, plan: IncentivePlan) -> float:
    """Return the KPI part (floor, cap) plus the administrative part of the variable pay."""
    counted = 0.0 if not math.isfinite(attainment) or attainment < plan.floor else min(
        attainment, plan.cap)
    return plan.variable * (plan.kpi_share * counted + plan.admin_share * plan.admin_attainment)


def tier_bonus(value: float, target: float, tiers: tuple[Tier, ...]) -> float:
    """Return the commission of marginal tiers of one KPI: each rate on its band above target."""
    if not (math.isfinite(value) and math.isfinite(target)) or target <= 0:
        return 0.0
    bonus = 0.0
    ordered = sorted(tiers, key=lambda tier: tier.above)
    for tier, nxt in zip(ordered, [*ordered[1:], None], strict=True):
        top = value if nxt is None else min(value, nxt.above * target)
        bonus += tier.rate * max(0.0, top - tier.above * target)
    return bonus


def payout_row(team: str, kpis: Mapping[str, float], targets: Mapping[str, float],
               scheme: Scheme, plan: IncentivePlan) -> dict[str, object]:
    """One team's pay: attainment, base, variable, tier bonus, total and the KPIs behind it."""
    attainment, missing = team_attainment(kpis, targets, scheme, plan.kpi_cap)
    bonus = sum(tier_bonus(float(kpis.get(kpi, math.nan)), float(targets.get(kpi, math.nan)),
                           tuple(t for t in plan.tiers if t.kpi == kpi))
                for kpi in sorted({tier.kpi for tier in plan.tiers}))
    variable = variable_pay(attainment, plan)
    used = [kpi for kpi, w in scheme.weights.items() if w > 0 and kpi not in missing]
    return {"team": team, "attainment": attainment, "base": plan.base, "variable": variable,
            "tier_bonus": bonus, "total": plan.base + variable + bonus,
            "kpis_used": " ".join(used), "kpis_missing": " ".join(missing)}


def payout_table(scorecard: pd.DataFrame, scheme: Scheme, plan: IncentivePlan) -> pd.DataFrame:
    """Return one row per team of ``scorecard`` (columns ``<kpi>`` and ``<kpi>_target``).

    Parameters
    ----------
    scorecard : pandas.DataFrame
        ``team`` and, per KPI, its value and target (``reports/team_scorecard.csv``). A KPI
        column that is absent counts as missing for every team.
    """
    require_columns(scorecard, ("team",), "scorecard")
    kpis = sorted(set(scheme.weights) | {tier.kpi for tier in plan.tiers})
    rows = []
    for record in scorecard.to_dict("records"):
        values = {k: float(record.get(k, np.nan)) for k in kpis}
        targets = {k: float(record.get(f"{k}_target", np.nan)) for k in kpis}
        row = payout_row(str(record["team"]), values, targets, scheme, plan)
        row |= {f"{k}_attainment": kpi_attainment(values[k], targets[k], scheme.directions[k],
                                                  plan.kpi_cap) for k in scheme.weights}
        rows.append(row)
    table = pd.DataFrame(rows, columns=[*PAYOUT_COLUMNS,
                                        *(f"{k}_attainment" for k in scheme.weights)])
    return table.sort_values(["total", "team"], ascending=[False, True], ignore_index=True)
