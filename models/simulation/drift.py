"""Injected KPI drifts: a change from a given week in one channel's or one team's truth.

Four kinds, each recorded in ``truth.json``; each acts on what happens from the week on,
open leads and live customers included (a change in how deals close, not in new leads only):
``churn`` multiplies the lapsing hazard of one channel's customers,
``cycle`` stretches the time still to go to conversion of one team's leads,
``closing`` stretches only the last stage, from SQL to conversion, of one team's leads
(the earlier stages keep their pace: a hard case for a cycle test that pools the stages),
``conversion`` multiplies the chance that a conversion of one channel's leads still happens.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from features._checks import DAY_SECONDS
from models.simulation.world import SQL_SHARE, START_WEEK, ChannelSpec, TeamEffects


class DriftKind(StrEnum):
    """What changes: a channel's churn, a team's cycle or last stage, a channel's conversion."""

    CHURN = "churn"
    CYCLE = "cycle"
    CLOSING = "closing"
    CONVERSION = "conversion"


SEGMENT_TYPE = {DriftKind.CHURN: "channel", DriftKind.CYCLE: "team",
                DriftKind.CLOSING: "team", DriftKind.CONVERSION: "channel"}
KPI = {DriftKind.CHURN: "churn_rate", DriftKind.CYCLE: "conversion_cycle_days",
       DriftKind.CLOSING: "conversion_cycle_days", DriftKind.CONVERSION: "lead_conversion_rate"}


@dataclass(frozen=True)
class Drift:
    """One injected change.

    Attributes
    ----------
    kind : DriftKind
        What changes.
    segment : str
        The channel (churn, conversion) or team (cycle, closing) it hits.
    start_week : int
        Week index (0 = the first simulated week) from which it applies.
    size : float
        Multiplier: of the hazard (churn, > 1 is faster lapsing), of the cycle length
        (cycle, > 1 is slower), of the time from SQL to conversion (closing) or of the
        conversion probability (conversion, < 1 is a drop).
    """

    kind: DriftKind
    segment: str
    start_week: int
    size: float


def parse_drift(text: str) -> Drift:
    """Parse ``KIND:SEGMENT:WEEK:SIZE``, e.g. ``conversion:paid_search:120:0.6``."""
    parts = text.split(":")
    if len(parts) != 4:
        raise ValueError(f"drift {text!r}: expected KIND:SEGMENT:WEEK:SIZE")
    kind, segment, week, size = parts
    try:
        drift = Drift(DriftKind(kind), segment, int(week), float(size))
    except ValueError:
        raise ValueError(f"drift {text!r}: KIND is one of {', '.join(DriftKind)}, WEEK an "
                         "integer and SIZE a number") from None
    if drift.start_week < 0 or drift.size <= 0:
        raise ValueError(f"drift {text!r}: WEEK must be >= 0 and SIZE > 0")
    return drift


def start_time(drift: Drift) -> pd.Timestamp:
    """Return the Monday the drift starts."""
    return START_WEEK + pd.Timedelta(weeks=drift.start_week)


def _index(names: list[str], name: str, what: str) -> int:
    if name not in names:
        raise ValueError(f"drift: unknown {what} {name!r} (known: {', '.join(names)})")
    return names.index(name)


def apply_drift(latent: pd.DataFrame, drift: Drift, teams: TeamEffects,
                channels: tuple[ChannelSpec, ...], rng: np.random.Generator) -> pd.DataFrame:
    """Return the per-lead truth with one drift applied (the input is not modified).

    ``latent`` holds ``created_at``, ``channel_idx``, ``team_idx``, ``is_won``,
    ``p_convert``, ``cycle_days`` and ``lifetime_days`` (see
    :func:`models.simulation.generator.simulate_lead_truth`).
    """
    start = start_time(drift)
    # Days from creation to the start (0 for leads created after it); cycles ending later change.
    open_days = ((start - latent["created_at"]).dt.total_seconds() / DAY_SECONDS).clip(lower=0.0)
    cycle = latent["cycle_days"].to_numpy()
    after = cycle > open_days.to_numpy()
    if drift.kind in (DriftKind.CYCLE, DriftKind.CLOSING):
        # where the stretch starts: the drift's start, or for ``closing`` the SQL stage if later
        begin = open_days.to_numpy()
        if drift.kind is DriftKind.CLOSING:
            begin = np.maximum(begin, SQL_SHARE * cycle)
        hit = (cycle > begin) & (
            latent["team_idx"].to_numpy() == _index(teams.names, drift.segment, "team"))
        stretched = begin + (cycle - begin) * drift.size
        # recorded, so the funnel stages reached before the stretch keep their times
        return latent.assign(cycle_days=np.where(hit, stretched, cycle),
                             stretch_from_days=np.where(hit, begin, np.nan),
                             stretch=np.where(hit, drift.size, 1.0))
    channel = _index([spec.name for spec in channels], drift.segment, "channel")
    mine = latent["channel_idx"].to_numpy() == channel
    if drift.kind is DriftKind.CONVERSION:
        hit = after & mine
        keep = rng.random(len(latent)) < min(drift.size, 1.0)
        return latent.assign(is_won=latent["is_won"].to_numpy() & (~hit | keep),
                             p_convert=np.where(hit, latent["p_convert"] * min(drift.size, 1.0),
                                                latent["p_convert"]))
    acquired = latent["created_at"] + pd.to_timedelta(latent["cycle_days"] * DAY_SECONDS, unit="s")
    age = ((start - acquired).dt.total_seconds() / DAY_SECONDS).clip(lower=0.0).to_numpy()
    lifetime = latent["lifetime_days"].to_numpy()
    # Exponential lifetimes are memoryless: the life left at the start shrinks by the factor.
    changed = age + (lifetime - age) / drift.size
    return latent.assign(lifetime_days=np.where(mine & (lifetime > age), changed, lifetime))


def apply_drifts(latent: pd.DataFrame, drifts: tuple[Drift, ...], teams: TeamEffects,
                 channels: tuple[ChannelSpec, ...], seed: int) -> pd.DataFrame:
    """Apply every drift in order with one seeded stream; no drifts returns ``latent``."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 13]))
    for drift in drifts:
        latent = apply_drift(latent, drift, teams, channels, rng)
    return latent


def drift_truth(drifts: tuple[Drift, ...]) -> list[dict[str, Any]]:
    """Return the ``truth.json`` record of the drifts: kind, KPI, segment, start week and size."""
    return [{"kind": str(d.kind), "kpi": KPI[d.kind], "segment_type": SEGMENT_TYPE[d.kind],
             "segment": d.segment, "start_week": start_time(d).date().isoformat(),
             "start_week_index": d.start_week, "size": d.size} for d in drifts]
