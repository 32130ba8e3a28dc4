"""Generative model of a B2B marketing world with known truth: spend, leads, funnel, orders.

Everything is vectorised over rows; the only loops run over channels, months or bursts.
The truth the tables were drawn from is returned beside them (:mod:`models.simulation.truth`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from features._checks import DAY_NS, DAY_SECONDS
from models.response.curves import geometric_adstock, hill
from models.simulation.drift import Drift, apply_drifts, drift_truth
from models.simulation.referrals import add_referrals
from models.simulation.tables import customer_table, lead_table, order_table
from models.simulation.world import (
    CHANNELS,
    INDUSTRIES,
    INDUSTRY_SQL_EFFECT,
    N_WEEKS,
    REGION_WON_EFFECT,
    SCALES,
    SIZE_SQL_EFFECT,
    SIZE_VALUE_MULT,
    START_WEEK,
    ChannelSpec,
    Scale,
    TeamEffects,
    World,
    demand,
    draw_team_effects,
    expected_value,
    vary_world,
)

LEAD_DISPERSION = 25.0
DEFAULT_WORLD = World()  # negative-binomial size: variance = mu + mu^2 / 25


@dataclass(frozen=True)
class SimulatedWorld:
    """The four input tables of a simulated world, the per-lead truth and the truth summary."""

    customers: pd.DataFrame
    orders: pd.DataFrame
    spend: pd.DataFrame
    leads: pd.DataFrame
    truth: dict[str, Any]
    staff: pd.DataFrame | None = None


def _block_drift(rng: np.random.Generator, n_weeks: int) -> np.ndarray:
    """Slow spend-level drift: log-normal levels per quarter, linearly interpolated."""
    centres = np.arange(6, n_weeks + 13, 13)
    levels = rng.normal(0.0, 0.3, centres.size)
    return np.asarray(np.exp(np.interp(np.arange(n_weeks), centres, levels)))


def _runs(rng: np.random.Generator, n_weeks: int, p_start: float, max_len: int) -> np.ndarray:
    """Boolean mask of random runs (bursts or dark periods) of 1..max_len weeks."""
    mask = np.zeros(n_weeks, dtype=bool)
    starts = np.flatnonzero(rng.random(n_weeks) < p_start)
    lengths = rng.integers(1, max_len + 1, starts.size)
    for start, length in zip(starts, lengths, strict=True):  # a handful of runs
        mask[start : start + length] = True
    return mask


def simulate_channel_spend(
    rng: np.random.Generator, spec: ChannelSpec, season: float = 1.0
) -> np.ndarray:
    """Weekly spend with flighting: seasonal tilt, quarterly drift, bursts, dark weeks."""
    weeks = np.arange(N_WEEKS)
    tilt = 1.0 + 0.8 * (demand(weeks, season) - 1.0)  # planners spend more in high season
    level = spec.weekly_spend * tilt * _block_drift(rng, N_WEEKS)
    noise = np.exp(rng.normal(0.0, 0.12, N_WEEKS))
    if spec.spend_pattern == "bursty":
        on = rng.random(N_WEEKS) < 0.25
        spend = np.where(on, 4.0 * level * np.exp(rng.normal(0.0, 0.3, N_WEEKS)), 0.0)
    else:
        burst = np.where(_runs(rng, N_WEEKS, 0.05, 4), rng.uniform(1.6, 2.4, N_WEEKS), 1.0)
        dark = _runs(rng, N_WEEKS, 0.03, 3)
        spend = np.where(dark, 0.0, level * burst * noise)
    return np.round(spend, 2)


def simulate_spend(rng: np.random.Generator, world: World = DEFAULT_WORLD) -> pd.DataFrame:
    """Long spend table (week, channel, spend) for every paid channel."""
    frames = [
        pd.DataFrame({
            "week": START_WEEK + pd.to_timedelta(7 * np.arange(N_WEEKS), unit="D"),
            "channel": spec.name,
            "spend": simulate_channel_spend(rng, spec, world.season_amplitude),
        })
        for spec in world.channels
        if spec.paid
    ]
    return pd.concat(frames, ignore_index=True).sort_values(["week", "channel"], ignore_index=True)


def expected_lead_counts(
    spend: pd.DataFrame, multiplier: float, world: World = DEFAULT_WORLD
) -> np.ndarray:
    """Return expected leads per (week, channel) under the true curves: (weeks, channels)."""
    wide = spend.pivot(index="week", columns="channel", values="spend")
    season = demand(np.arange(N_WEEKS), world.season_amplitude)
    columns = []
    for spec in world.channels:
        media = np.zeros(N_WEEKS)
        if spec.paid:
            adstock = geometric_adstock(wide[spec.name].to_numpy(), spec.adstock_theta)
            media = spec.max_leads * hill(adstock, spec.half_saturation, spec.hill_shape)
        columns.append(multiplier * season * (spec.base_leads + media))
    return np.column_stack(columns)


def draw_lead_counts(rng: np.random.Generator, expected: np.ndarray) -> np.ndarray:
    """Overdispersed (negative-binomial) weekly lead counts around their expectation."""
    p = LEAD_DISPERSION / (LEAD_DISPERSION + expected)
    return rng.negative_binomial(LEAD_DISPERSION, p)


def _categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """Draw one category index per row from row-specific probabilities (rows x categories)."""
    cumulative = np.cumsum(probs, axis=1)
    u = rng.random((probs.shape[0], 1))
    return np.minimum((u > cumulative).sum(axis=1), probs.shape[1] - 1)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


def draw_lead_attributes(
    rng: np.random.Generator, counts: np.ndarray, teams: TeamEffects,
    channels: tuple[ChannelSpec, ...] = CHANNELS,
) -> pd.DataFrame:
    """One row per lead: week, channel, team, creation time and firmographics."""
    week_idx, channel_idx = np.nonzero(counts)
    reps = counts[week_idx, channel_idx]
    week_idx, channel_idx = np.repeat(week_idx, reps), np.repeat(channel_idx, reps)
    n = week_idx.size
    offset_s = np.floor(rng.random(n) * 7 * DAY_SECONDS).astype(np.int64)
    created = START_WEEK.value + week_idx.astype(np.int64) * 7 * DAY_NS + offset_s * 10**9
    created_at = pd.to_datetime(created)
    month_idx = (created_at.year - START_WEEK.year) * 12 + created_at.month - 1
    size_mix = np.array([spec.size_mix for spec in channels])[channel_idx]
    engagement_mean = np.array([spec.engagement_mean for spec in channels])[channel_idx]
    engagement = np.clip(rng.normal(engagement_mean, 15.0), 0.0, 100.0).round(1)
    team_idx = rng.integers(0, len(teams.names), n)
    return pd.DataFrame({
        "created_at": created_at,
        "week_idx": week_idx,
        "month_idx": np.asarray(month_idx),
        "channel_idx": channel_idx,
        "team_idx": team_idx,
        "size_idx": _categorical(rng, size_mix),
        "industry_idx": rng.integers(0, len(INDUSTRIES), n),
        "region_idx": _categorical(rng, np.tile([0.5, 0.3, 0.2], (n, 1))),
        "engagement_score": engagement,
        "webinar_attended": rng.random(n) < 0.5 * _sigmoid((engagement - 60.0) / 10.0),
        "touches": rng.poisson(teams.activity_by_month[team_idx, np.asarray(month_idx)]),
    })


def draw_funnel(
    rng: np.random.Generator, leads: pd.DataFrame, teams: TeamEffects,
    channels: tuple[ChannelSpec, ...] = CHANNELS,
) -> pd.DataFrame:
    """Add true stage probabilities, realised stages and stage delays (days)."""
    spec_array = {f: np.array([getattr(s, f) for s in channels]) for f in
                  ("mql_logit", "sql_logit", "won_logit", "cycle_days")}
    c = leads["channel_idx"].to_numpy()
    skill = teams.skill_by_month[leads["team_idx"].to_numpy(), leads["month_idx"].to_numpy()]
    p_mql = _sigmoid(spec_array["mql_logit"][c] + 0.04 * (leads["engagement_score"] - 50.0)
                     + 0.6 * leads["webinar_attended"])
    sql_logit = (spec_array["sql_logit"][c] + SIZE_SQL_EFFECT[leads["size_idx"]]
                 + INDUSTRY_SQL_EFFECT[leads["industry_idx"]])
    if teams.sql_skill_by_month is not None:  # KPI worlds: skill shows in MQL -> SQL first
        sql_logit = sql_logit + teams.sql_skill_by_month[leads["team_idx"].to_numpy(),
                                                         leads["month_idx"].to_numpy()]
    p_sql = _sigmoid(sql_logit)
    p_won = _sigmoid(spec_array["won_logit"][c] + skill + REGION_WON_EFFECT[leads["region_idx"]])
    n = len(leads)
    is_mql = rng.random(n) < p_mql
    is_sql = is_mql & (rng.random(n) < p_sql)
    is_won = is_sql & (rng.random(n) < p_won)
    cycle = np.clip(spec_array["cycle_days"][c] * rng.gamma(4.0, 0.25, n), 5.0, 115.0)
    return leads.assign(
        p_convert=np.asarray(p_mql * p_sql * p_won), is_mql=is_mql, is_sql=is_sql,
        is_won=is_won, cycle_days=cycle,
    )


def draw_customer_params(
    rng: np.random.Generator, leads: pd.DataFrame, teams: TeamEffects,
    channels: tuple[ChannelSpec, ...] = CHANNELS,
) -> pd.DataFrame:
    """Purchase rate, lifetime and order value each lead would have as a customer."""
    c = leads["channel_idx"].to_numpy()
    n = len(leads)
    per_year = np.array([s.purchases_per_year for s in channels])[c]
    team = leads["team_idx"].to_numpy()
    retention = (teams.retention_multiplier[team] if teams.retention_by_month is None
                 else teams.retention_by_month[team, leads["month_idx"].to_numpy()])
    lifetime = np.array([s.lifetime_days for s in channels])[c] * retention
    order_value = (np.array([s.order_value for s in channels])[c]
                   * SIZE_VALUE_MULT[leads["size_idx"].to_numpy()] * rng.gamma(6.0, 1 / 6, n))
    rate = per_year / 365.0 * rng.gamma(4.0, 0.25, n)
    return leads.assign(
        purchases_per_day=rate, lifetime_mean_days=lifetime, mean_order_value=order_value,
        lifetime_days=rng.exponential(lifetime),
        value_365=expected_value(order_value, rate, lifetime, 365.0),
    )


def world_for(seed: int, vary: bool) -> World:
    """Return the default world, or a seed-specific variant of it."""
    if not vary:
        return DEFAULT_WORLD
    return vary_world(np.random.default_rng(np.random.SeedSequence([seed, 11])))


def simulate_lead_truth(
    seed: int, scale: Scale | str, world: World = DEFAULT_WORLD, teams: TeamEffects | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, TeamEffects]:
    """Spend plus one row per lead with every latent truth (probabilities, customer params).

    ``teams`` replaces the scale's drawn team effects (a KPI world's); None draws them.
    """
    spec = SCALES[Scale(scale)]
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(6)]
    teams = draw_team_effects(streams[0], spec.n_teams) if teams is None else teams
    spend = simulate_spend(streams[1], world)
    expected = expected_lead_counts(spend, spec.lead_multiplier, world)
    counts = draw_lead_counts(streams[2], expected)
    leads = draw_lead_attributes(streams[3], counts, teams, world.channels)
    leads = draw_funnel(streams[4], leads, teams, world.channels)
    leads = draw_customer_params(streams[5], leads, teams, world.channels)
    leads = leads.sort_values(["created_at", "channel_idx"], kind="stable", ignore_index=True)
    return spend, leads, teams


def simulate_world(
    seed: int, scale: Scale | str = Scale.DEFAULT, vary: bool = False,
    kpi_world: int | None = None, drifts: tuple[Drift, ...] = (), referrals: bool = False,
) -> SimulatedWorld:
    """Simulate a whole world: the four tables plus ``truth.json`` content.

    Parameters
    ----------
    seed : int
        The only source of randomness; the same seed gives identical tables.
    scale : {"small", "default", "large"}
        About 5k, 100k or 1M+ leads.
    vary : bool
        Draw a seed-specific variant of the world (curve shapes, seasonality strength,
        channel economics) instead of the default one.
    kpi_world : int, optional
        Truth seed of a varied KPI world (:mod:`models.simulation.kpi_worlds`): its teams
        replace the default ones and ``truth["kpi_world"]`` says which KPIs drive value.
        Two seeds with the same ``kpi_world`` share the truth and differ in noise.
    drifts : tuple of Drift
        KPI changes injected from given weeks (:mod:`models.simulation.drift`), recorded in
        ``truth["drifts"]``; none leaves the world unchanged.
    referrals : bool
        Credit half the organic leads to named staff (:mod:`models.simulation.referrals`):
        a ``staff`` table, ``leads.referred_by`` and ``truth["referrals"]``.
    """
    from models.simulation.kpi_worlds import draw_kpi_world, kpi_world_truth
    from models.simulation.truth import build_truth

    world = world_for(seed, vary)
    kpi_spec, kpi_teams = draw_kpi_world(kpi_world) if kpi_world is not None else (None, None)
    spend, latent, teams = simulate_lead_truth(seed, scale, world, kpi_teams)
    latent = apply_drifts(latent, drifts, teams, world.channels, seed) if drifts else latent
    leads = lead_table(latent, teams, world.channels)
    staff = referral = None
    if referrals:
        leads, staff, referral = add_referrals(leads, latent, seed, world.channels)
    order_rng = np.random.default_rng(np.random.SeedSequence([seed, 7]))
    orders = order_table(order_rng, leads, latent)
    multiplier = SCALES[Scale(scale)].lead_multiplier
    truth = build_truth(seed, str(Scale(scale)), multiplier, spend, latent, teams, world)
    if kpi_spec is not None and kpi_world is not None:
        truth["kpi_world"] = kpi_world_truth(kpi_spec, teams, kpi_world)
    if drifts:
        truth["drifts"] = drift_truth(drifts)
    if referral is not None:
        truth["referrals"] = referral
    return SimulatedWorld(customers=customer_table(leads), orders=orders, spend=spend,
                          leads=leads, truth=truth, staff=staff)
