"""Varied KPI worlds: team truths that are hard for KPI weights, with the truth recorded.

A KPI world draws, from its own seed, how many teams there are (6-40), whether conversion
skill or customer retention drives value, a vanity activity KPI that identifies teams and
drifts as a random walk (in some worlds correlated with the driver across teams), and a lag
between the skill that shows in MQL -> SQL and the skill that wins deals.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np

from models.simulation.world import TeamEffects, n_months

VANITY_KPIS = ("activity_per_lead",)
MEAN_WON_PROBABILITY = 0.45  # about the simulated SQL -> won rate; scales the skill effect
MEAN_LIFETIME_DAYS = 650.0
MEAN_PURCHASES_PER_DAY = 28.0 / 365.0
HORIZON_DAYS = 365.0


class ValueDriver(StrEnum):
    """What mainly drives value in a KPI world."""

    CONVERSION = "conversion"
    RETENTION = "retention"


@dataclass(frozen=True)
class TeamProcess:
    """A team-level latent: a level per team plus an AR(1) path (persistence 1: a random walk)."""

    level_sd: float
    step_sd: float
    persistence: float


@dataclass(frozen=True)
class KpiWorldSpec:
    """The truth of one KPI world (see :func:`draw_kpi_world_spec`).

    Attributes
    ----------
    n_teams : int
        Number of teams (6-40).
    driver : ValueDriver
        Whether conversion skill or retention mainly drives value.
    skill, retention, vanity : TeamProcess
        Conversion skill (logit on SQL -> won), log lifetime multiplier, log activity.
    lag_months : int
        Skill shows in MQL -> SQL ``lag_months`` months before it wins deals.
    sql_share : float
        Share of the skill latent that also shifts the MQL -> SQL logit.
    vanity_correlation : float
        Correlation imposed between the teams' activity levels and the driver's levels (0:
        independent); with few teams this plays the part of a chance correlation.
    """

    n_teams: int
    driver: ValueDriver
    skill: TeamProcess
    retention: TeamProcess
    vanity: TeamProcess
    lag_months: int
    sql_share: float
    vanity_correlation: float


def draw_kpi_world_spec(rng: np.random.Generator) -> KpiWorldSpec:
    """Draw a KPI world's truth: team count, main driver, vanity drift, chance correlation, lag."""
    driver = ValueDriver.CONVERSION if rng.random() < 0.5 else ValueDriver.RETENTION
    strong_skill = driver is ValueDriver.CONVERSION
    skill = TeamProcess(level_sd=rng.uniform(0.3, 0.6) if strong_skill else 0.05,
                        step_sd=rng.uniform(0.15, 0.3) if strong_skill else 0.02,
                        persistence=rng.uniform(0.85, 1.0))
    retention = TeamProcess(level_sd=0.1 if strong_skill else rng.uniform(0.5, 0.8),
                            step_sd=0.02 if strong_skill else rng.uniform(0.08, 0.15),
                            persistence=rng.uniform(0.9, 1.0))
    vanity = TeamProcess(level_sd=rng.uniform(0.3, 0.6), step_sd=rng.uniform(0.05, 0.15),
                         persistence=1.0)
    correlated = rng.random() < 0.5
    return KpiWorldSpec(
        n_teams=int(rng.integers(6, 41)), driver=driver, skill=skill, retention=retention,
        vanity=vanity, lag_months=int(rng.integers(0, 4)),
        sql_share=float(rng.uniform(0.3, 0.8)) if strong_skill else 0.0,
        vanity_correlation=float(rng.uniform(0.6, 0.9)) if correlated else 0.0,
    )


def team_paths(
    rng: np.random.Generator, process: TeamProcess, levels: np.ndarray, months: int
) -> np.ndarray:
    """Return (teams, months) paths: each team's level plus an AR(1) path started at 0."""
    steps = rng.normal(0.0, process.step_sd, (levels.size, months))
    path = np.zeros((levels.size, months))
    for m in range(months):  # a loop over months, not rows
        path[:, m] = (process.persistence * path[:, m - 1] if m else 0.0) + steps[:, m]
    return np.asarray(levels[:, None] + path)


def correlated_levels(
    rng: np.random.Generator, driver_levels: np.ndarray, correlation: float, sd: float
) -> np.ndarray:
    """Team levels with sd ``sd`` and (population) correlation ``correlation`` to the driver's."""
    spread = driver_levels.std()
    scaled = (driver_levels - driver_levels.mean()) / spread if spread > 0 else driver_levels * 0
    noise = rng.normal(0.0, 1.0, driver_levels.size)
    return np.asarray(sd * (correlation * scaled + np.sqrt(1.0 - correlation**2) * noise))


def kpi_team_effects(spec: KpiWorldSpec, rng: np.random.Generator) -> TeamEffects:
    """Draw the team effects of a KPI world: skill (with its SQL lead), retention, activity."""
    months = n_months()
    skill_levels = rng.normal(0.0, spec.skill.level_sd, spec.n_teams)
    latent = team_paths(rng, spec.skill, skill_levels, months + spec.lag_months)
    retention_levels = rng.normal(0.0, spec.retention.level_sd, spec.n_teams)
    log_retention = team_paths(rng, spec.retention, retention_levels, months)
    driver = skill_levels if spec.driver is ValueDriver.CONVERSION else retention_levels
    activity_levels = correlated_levels(rng, driver, spec.vanity_correlation,
                                        spec.vanity.level_sd)
    log_activity = team_paths(rng, spec.vanity, activity_levels, months)
    retention = np.exp(log_retention)
    return TeamEffects(
        names=[f"team_{i + 1:02d}" for i in range(spec.n_teams)],
        skill_by_month=latent[:, :months],  # wins follow the latent lag_months later
        retention_multiplier=retention.mean(axis=1),
        activity_by_month=np.exp(np.log(6.0) + log_activity),
        sql_skill_by_month=spec.sql_share * latent[:, spec.lag_months:],
        retention_by_month=retention,
    )


def draw_kpi_world(seed: int) -> tuple[KpiWorldSpec, TeamEffects]:
    """Draw the KPI world of truth seed ``seed``: its spec and its team effects."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 13]))
    spec = draw_kpi_world_spec(rng)
    return spec, kpi_team_effects(spec, rng)


def value_effects(teams: TeamEffects) -> dict[str, float]:
    """Sd over team-months of the log of value per lead that skill and retention cause.

    Skill moves log P(won) by about ``(1 - p) * skill`` at a won rate ``p``; retention moves
    the expected 365-day value through the lifetime of an average customer.
    """
    skill = (1.0 - MEAN_WON_PROBABILITY) * teams.skill_by_month
    multiplier = (teams.retention_by_month if teams.retention_by_month is not None
                  else np.repeat(teams.retention_multiplier[:, None], 2, axis=1))
    lifetime = MEAN_LIFETIME_DAYS * multiplier
    active = lifetime * (1.0 - np.exp(-HORIZON_DAYS / lifetime))
    value = np.log1p(MEAN_PURCHASES_PER_DAY * active)
    return {"conversion": float(skill.std()), "retention": float(value.std())}


def kpi_world_truth(spec: KpiWorldSpec, teams: TeamEffects, truth_seed: int) -> dict[str, Any]:
    """Describe which KPIs drive value in a KPI world, and by how much, for ``truth.json``.

    A KPI drives value when it reflects a driver whose effect (sd of log value per lead over
    team-months) is at least a quarter of the main driver's; ``revenue`` reflects both.
    """
    effects = value_effects(teams)
    reflects = {"conversion": ["lead_to_customer_rate", "new_customers", "cac", "revenue"]
                + (["mql_to_sql_rate"] if spec.sql_share > 0 else []),
                "retention": ["retention_90d", "revenue"]}
    strongest = max(effects.values())
    drivers: dict[str, float] = {}
    for name, effect in effects.items():
        if effect >= 0.25 * strongest:
            for kpi in reflects[name]:
                drivers[kpi] = max(drivers.get(kpi, 0.0), effect)
    retention = np.log(teams.retention_multiplier)[:, None] if teams.retention_by_month is None \
        else np.log(teams.retention_by_month)
    driver_levels = (teams.skill_by_month if spec.driver is ValueDriver.CONVERSION
                     else retention).mean(axis=1)
    activity = np.log(teams.activity_by_month).mean(axis=1)
    return {
        "truth_seed": truth_seed, "n_teams": spec.n_teams, "value_driver": spec.driver.value,
        "lag_months": spec.lag_months, "sql_share": spec.sql_share,
        "value_effect_sd": effects, "drivers": dict(sorted(drivers.items())),
        "vanity": list(VANITY_KPIS),
        "vanity_correlation_imposed": spec.vanity_correlation,
        "vanity_driver_correlation": float(np.corrcoef(activity, driver_levels)[0, 1]),
        "processes": {name: vars(getattr(spec, name)) for name in
                      ("skill", "retention", "vanity")},
    }
