"""Ground truth of a simulated world: channel economics, team effects and the oracle plans.

Plan values are the weekly lifetime value of the leads that paid media adds at average
demand: ``sum_c value_per_lead_c * max_leads_c * hill(s_c)``. Base leads are excluded
because no plan can change them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from models.allocation.optimizer import maximise_allocation
from models.allocation.plan import Constraints, current_spend, spend_upper_bounds
from models.allocation.planning import PlanningInputs, make_plan
from models.response.curves import hill
from models.simulation.world import (
    CHANNELS,
    N_WEEKS,
    START_WEEK,
    ChannelSpec,
    TeamEffects,
    World,
)

SCHEMA_VERSION = 1
RESPONSE_MODEL = (
    "leads_c(week) = demand(week) * (base_leads + max_leads * hill(adstock(spend))); "
    "adstock a_t = theta * a_(t-1) + (1 - theta) * s_t with a_(-1) = s_0; "
    "hill(x) = x^S / (x^S + K^S); demand averages 1 over the 156 weeks"
)


def channel_economics(
    leads: pd.DataFrame, channels: tuple[ChannelSpec, ...] = CHANNELS
) -> pd.DataFrame:
    """Compute true P(convert), new-customer 365-day CLTV and value per lead, per channel.

    CLTV is weighted by each lead's conversion probability, so that
    ``p_convert * cltv_365 == mean(p_i * value_i)``: the value of an average lead.
    """
    weighted = leads.assign(pv=leads["p_convert"] * leads["value_365"])
    grouped = weighted.groupby("channel_idx")
    out = pd.DataFrame({"p_convert": grouped["p_convert"].mean(),
                        "value_per_lead": grouped["pv"].mean()})
    out["cltv_365"] = out["value_per_lead"] / out["p_convert"]
    out.index = [channels[i].name for i in out.index]
    return out


def _curve(
    spec: ChannelSpec, multiplier: float, weight: float
) -> Callable[[np.ndarray], np.ndarray]:
    def value(s: np.ndarray) -> np.ndarray:
        return weight * multiplier * spec.max_leads * hill(s, spec.half_saturation, spec.hill_shape)

    return value


def plan_values(
    plans: dict[str, pd.Series], economics: pd.DataFrame, multiplier: float,
    channels: tuple[ChannelSpec, ...] = CHANNELS,
) -> dict[str, float]:
    """Return the true weekly incremental value of each plan."""
    paid = [s for s in channels if s.paid]
    per_lead = {str(k): float(v) for k, v in economics["value_per_lead"].items()}
    return {
        name: float(sum(
            _curve(s, multiplier, per_lead[s.name])(
                np.array([plan[s.name]]))[0] for s in paid))
        for name, plan in plans.items()
    }


def oracle_plans(
    spend: pd.DataFrame, economics: pd.DataFrame, multiplier: float,
    channels: tuple[ChannelSpec, ...] = CHANNELS,
) -> tuple[dict[str, pd.Series], float]:
    """Return the current mix, true-value oracle and lead-volume plan at the current budget."""
    paid = [s for s in channels if s.paid]
    names = [s.name for s in paid]
    current = current_spend(spend).reindex(names)
    upper = spend_upper_bounds(spend).reindex(names).to_numpy()
    budget = float(current.sum())
    per_lead = {str(k): float(v) for k, v in economics["value_per_lead"].items()}
    value_fns = [_curve(s, multiplier, per_lead[s.name]) for s in paid]
    lead_fns = [_curve(s, multiplier, 1.0) for s in paid]
    oracle = maximise_allocation(value_fns, budget, np.zeros(len(paid)), upper)
    volume = maximise_allocation(lead_fns, budget, np.zeros(len(paid)), upper)
    plans = {
        "current": current,
        "oracle": pd.Series(oracle.spend, index=names),
        "lead_volume": pd.Series(volume.spend, index=names),
    }
    return plans, oracle.gap


def team_truth(teams: TeamEffects) -> dict[str, dict[str, float]]:
    """Per team: mean conversion skill (logit), retention multiplier and mean activity."""
    return {
        name: {
            "conversion_skill_mean": float(teams.skill_by_month[i].mean()),
            "retention_multiplier": float(teams.retention_multiplier[i]),
            "activity_mean": float(teams.activity_by_month[i].mean()),
        }
        for i, name in enumerate(teams.names)
    }


def build_truth(
    seed: int, scale: str, multiplier: float, spend: pd.DataFrame, leads: pd.DataFrame,
    teams: TeamEffects, world: World | None = None,
) -> dict[str, Any]:
    """Assemble ``truth.json``: channels, teams, plans and their true values."""
    world = world or World()
    economics = channel_economics(leads, world.channels)
    plans, gap = oracle_plans(spend, economics, multiplier, world.channels)
    upper = spend_upper_bounds(spend)
    values = plan_values(plans, economics, multiplier, world.channels)
    channels = {}
    for spec in world.channels:
        row = economics.loc[spec.name]
        entry: dict[str, Any] = {
            "paid": spec.paid, "p_convert": row["p_convert"], "cltv_365": row["cltv_365"],
            "value_per_lead": row["value_per_lead"],
            "base_leads": spec.base_leads * multiplier,
        }
        if spec.paid:
            entry |= {
                "adstock_theta": spec.adstock_theta, "half_saturation": spec.half_saturation,
                "hill_shape": spec.hill_shape, "max_leads": spec.max_leads * multiplier,
                "current_weekly_spend": plans["current"][spec.name],
                "upper_bound": upper[spec.name],
            }
        channels[spec.name] = entry
    return {
        "schema_version": SCHEMA_VERSION, "seed": seed, "scale": scale,
        "start_week": START_WEEK.date().isoformat(), "n_weeks": N_WEEKS,
        "response_model": RESPONSE_MODEL, "horizon_days": 365,
        "channels": channels, "teams": team_truth(teams),
        "budget": {"weekly": float(plans["current"].sum()), "weeks_for_current": 13},
        "plans": {name: {"spend": plan.to_dict(), "value": values[name]}
                  for name, plan in plans.items()},
        "oracle_certificate_gap": gap,
        "world": {"varied": world.varied, "season_amplitude": world.season_amplitude},
    }


def true_plan_value(truth: dict[str, Any], plan: dict[str, float]) -> float:
    """Weekly incremental value of a plan under the true curves in ``truth.json``."""
    total = 0.0
    for name, spend in plan.items():
        channel = truth["channels"].get(name)
        if channel is None or not channel["paid"]:
            continue
        saturation = hill(np.array([spend]), channel["half_saturation"], channel["hill_shape"])[0]
        total += channel["value_per_lead"] * channel["max_leads"] * float(saturation)
    return total


def plan_scorecard(truth: dict[str, Any], plans: dict[str, dict[str, float]]) -> dict[str, Any]:
    """Regret vs the oracle and share of the possible uplift captured, per plan, on true curves."""
    oracle = truth["plans"]["oracle"]["value"]
    current = true_plan_value(truth, truth["plans"]["current"]["spend"])
    out: dict[str, Any] = {"oracle_value": oracle, "current_value": current}
    for name, plan in plans.items():
        value = true_plan_value(truth, plan)
        out[name] = {
            "true_value": value,
            "regret": 1.0 - value / oracle,
            "uplift_captured": (value - current) / (oracle - current) if oracle > current else None,
        }
    return out


BUDGET_TOLERANCE = 1e-3  # a plan within 0.1% of the current budget is scored against the oracle


def score_plans(
    truth: dict[str, Any], inputs: PlanningInputs, plan: dict[str, float]
) -> dict[str, Any]:
    """Score a plan, the lead-volume plan (fitted curves) and the current mix on true curves.

    The oracle in ``truth`` is the best plan at the current budget, so a plan at another
    budget (a target or an explicit budget) is not scored: the result says why instead.
    """
    current_total, planned = float(inputs.current.sum()), float(sum(plan.values()))
    if abs(planned - current_total) > BUDGET_TOLERANCE * max(current_total, 1.0):
        return {"skipped": f"the plan's weekly budget ({planned:,.2f}) differs from the "
                           f"current budget ({current_total:,.2f}) the oracle was computed at"}
    volume = make_plan(inputs, float(inputs.current.sum()), Constraints(),
                       value_per_unit=np.ones(len(inputs.channels)))
    plans = {
        "plan": plan,
        "lead_volume_plan": dict(zip(inputs.channels, volume.result.spend, strict=True)),
        "current_mix": dict(zip(inputs.channels, inputs.current, strict=True)),
    }
    return plan_scorecard(truth, plans)
