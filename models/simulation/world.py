"""The simulated marketing world's fixed specification: channels, teams, scales and calendar.

Numbers here are the ground truth the simulator draws from; :mod:`models.simulation.generator`
turns them into tables and ``truth.json``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

import numpy as np
import pandas as pd

N_WEEKS = 156
START_WEEK = pd.Timestamp("2023-01-02")  # a Monday
MQL_SHARE, SQL_SHARE = 0.10, 0.35  # a lead reaches MQL and SQL at these shares of its cycle
COMPANY_SIZES = ("1-10", "11-50", "51-200", "201-1000", "1000+")
INDUSTRIES = ("software", "manufacturing", "retail", "finance", "healthcare", "education")
REGIONS = ("NA", "EMEA", "APAC")
SIZE_SQL_EFFECT = np.array([-0.7, -0.35, 0.0, 0.35, 0.7])
SIZE_VALUE_MULT = np.array([0.6, 0.8, 1.0, 1.3, 1.7])
INDUSTRY_SQL_EFFECT = np.array([0.25, 0.1, -0.2, 0.15, 0.0, -0.3])
REGION_WON_EFFECT = np.array([0.1, 0.0, -0.1])


class Scale(StrEnum):
    """World sizes: ``small`` for tests, ``default`` for the pipeline, ``large`` for benchmarks."""

    SMALL = "small"
    DEFAULT = "default"
    LARGE = "large"


@dataclass(frozen=True)
class ScaleSpec:
    """How many leads (via a multiplier on every lead rate) and teams a scale has."""

    lead_multiplier: float
    n_teams: int


SCALES: dict[Scale, ScaleSpec] = {
    Scale.SMALL: ScaleSpec(lead_multiplier=0.05, n_teams=4),
    Scale.DEFAULT: ScaleSpec(lead_multiplier=1.0, n_teams=10),
    Scale.LARGE: ScaleSpec(lead_multiplier=36.0, n_teams=12),
}


@dataclass(frozen=True)
class ChannelSpec:
    """One channel's truth.

    Weekly leads = demand(week) * (base_leads + max_leads * hill(adstock(spend))), before
    noise, with lead rates multiplied by the scale's ``lead_multiplier``. The funnel
    logits, size mix and engagement shape conversion; the purchase process shapes CLTV.
    """

    name: str
    paid: bool
    weekly_spend: float
    spend_pattern: str  # "always_on" or "bursty"
    half_saturation: float
    hill_shape: float
    adstock_theta: float
    max_leads: float
    base_leads: float
    mql_logit: float
    sql_logit: float
    won_logit: float
    size_mix: tuple[float, float, float, float, float]
    engagement_mean: float
    purchases_per_year: float
    lifetime_days: float
    order_value: float
    cycle_days: float


CHANNELS: tuple[ChannelSpec, ...] = (
    ChannelSpec("paid_search", True, 15_000, "always_on", 12_000, 1.3, 0.15, 160, 10,
                0.4, 0.2, 0.0, (0.15, 0.25, 0.3, 0.2, 0.1), 55, 30, 700, 60, 45),
    ChannelSpec("paid_social", True, 20_000, "always_on", 10_000, 1.0, 0.30, 350, 12,
                0.0, -0.3, -0.3, (0.35, 0.3, 0.2, 0.1, 0.05), 45, 22, 450, 40, 35),
    ChannelSpec("display", True, 8_000, "always_on", 6_000, 1.6, 0.50, 150, 6,
                -0.2, -0.3, -0.4, (0.3, 0.3, 0.2, 0.12, 0.08), 42, 24, 450, 42, 40),
    ChannelSpec("linkedin_ads", True, 6_000, "always_on", 9_000, 1.3, 0.30, 70, 8,
                0.7, 0.4, 0.0, (0.05, 0.1, 0.25, 0.3, 0.3), 62, 36, 900, 80, 60),
    ChannelSpec("events", True, 5_000, "bursty", 15_000, 2.2, 0.60, 60, 6,
                0.9, 0.5, 0.2, (0.03, 0.07, 0.2, 0.35, 0.35), 68, 34, 1_000, 85, 75),
    ChannelSpec("affiliate", True, 6_000, "always_on", 5_000, 1.0, 0.10, 80, 5,
                0.1, -0.1, -0.2, (0.25, 0.3, 0.25, 0.15, 0.05), 48, 26, 550, 50, 40),
    ChannelSpec("organic", False, 0.0, "none", 1.0, 1.0, 0.0, 0.0, 110,
                0.6, 0.2, 0.0, (0.15, 0.25, 0.3, 0.2, 0.1), 58, 30, 800, 70, 50),
)


@dataclass(frozen=True)
class World:
    """The channel specs and seasonality strength a simulation draws from."""

    channels: tuple[ChannelSpec, ...] = CHANNELS
    season_amplitude: float = 1.0
    varied: bool = False


def vary_world(rng: np.random.Generator) -> World:
    """Perturb curve shapes, saturation, volumes, economics and seasonality of the default world.

    Order values move by up to about 2x either way, so which channels win changes too.
    """
    varied = []
    for spec in CHANNELS:
        if not spec.paid:
            varied.append(spec)
            continue
        varied.append(replace(
            spec,
            half_saturation=spec.half_saturation * float(np.exp(rng.normal(0.0, 0.3))),
            hill_shape=float(np.clip(spec.hill_shape * rng.uniform(0.7, 1.4), 0.8, 3.5)),
            max_leads=spec.max_leads * float(np.exp(rng.normal(0.0, 0.25))),
            order_value=spec.order_value * float(np.exp(rng.normal(0.0, 0.5))),
            won_logit=spec.won_logit + float(rng.normal(0.0, 0.4)),
        ))
    return World(channels=tuple(varied), season_amplitude=float(rng.uniform(0.3, 2.0)),
                 varied=True)


@dataclass(frozen=True)
class TeamEffects:
    """Per-team truth: conversion skill (logit, by month), retention and activity."""

    names: list[str]
    skill_by_month: np.ndarray  # (n_teams, n_months) logit shift on SQL -> won
    retention_multiplier: np.ndarray  # (n_teams,) multiplies customer lifetime
    activity_by_month: np.ndarray  # (n_teams, n_months) mean touches per lead
    # KPI worlds only (models/simulation/kpi_worlds.py); None keeps the default world as is.
    sql_skill_by_month: np.ndarray | None = None  # (n_teams, n_months) logit on MQL -> SQL
    retention_by_month: np.ndarray | None = None  # (n_teams, n_months), replaces the constant


def n_months() -> int:
    """Months the calendar spans (the 156 weeks touch 36 calendar months)."""
    last_day = START_WEEK + pd.Timedelta(weeks=N_WEEKS) - pd.Timedelta(days=1)
    return (last_day.year - START_WEEK.year) * 12 + last_day.month - START_WEEK.month + 1


def draw_team_effects(rng: np.random.Generator, n_teams: int) -> TeamEffects:
    """Draw team skills (mean-reverting monthly drift), retention and activity levels."""
    months = n_months()
    base_skill = rng.normal(0.0, 0.45, n_teams)
    drift = np.zeros((n_teams, months))
    shocks = rng.normal(0.0, 0.25, (n_teams, months))
    for m in range(months):  # AR(1) over 36 months: a loop over months, not rows
        drift[:, m] = (0.8 * drift[:, m - 1] if m else 0.0) + shocks[:, m]
    retention = np.exp(rng.normal(0.0, 0.35, n_teams))
    activity = np.exp(np.log(6.0) + rng.normal(0.0, 0.3, (n_teams, 1))
                      + rng.normal(0.0, 0.25, (n_teams, months)))
    return TeamEffects(
        names=[f"team_{i + 1:02d}" for i in range(n_teams)],
        skill_by_month=base_skill[:, None] + drift,
        retention_multiplier=retention,
        activity_by_month=activity,
    )


def demand(weeks: np.ndarray, amplitude: float = 1.0) -> np.ndarray:
    """Demand multiplier by week index: two annual harmonics and a mild trend; mean 1."""
    t = np.asarray(weeks, dtype=np.float64)
    seasonal = amplitude * (0.25 * np.sin(2 * np.pi * (t - 8) / 52.0)
                            + 0.1 * np.sin(4 * np.pi * t / 52.0 + 1))
    trend = 0.04 * (t - (N_WEEKS - 1) / 2) / 52.0
    return np.asarray(1.0 + seasonal + trend, dtype=np.float64)


def expected_active_days(lifetime_days: np.ndarray, horizon_days: float) -> np.ndarray:
    """E[min(tau, horizon)] for an exponential lifetime with the given mean."""
    return np.asarray(lifetime_days * (1.0 - np.exp(-horizon_days / lifetime_days)))


def expected_value(
    order_value: np.ndarray, purchases_per_day: np.ndarray, lifetime_days: np.ndarray,
    horizon_days: float,
) -> np.ndarray:
    """Return expected revenue in ``horizon_days`` from acquisition, first order included."""
    repeat = purchases_per_day * expected_active_days(lifetime_days, horizon_days)
    return np.asarray(order_value * (1.0 + repeat))
