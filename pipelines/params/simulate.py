"""Typed params of stage ``simulate``: the world's scale and whether it varies by seed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models.simulation.world import Scale
from pipelines.params import choice, flag

SECTION = "simulate"


@dataclass(frozen=True)
class SimulateParams:
    """Params of stage ``simulate``; ``vary`` draws a seed-specific variant of the world."""

    scale: Scale
    vary: bool = False
    referrals: bool = False


def parse_simulate(section: dict[str, Any]) -> SimulateParams:
    """Validate the ``simulate`` section: ``scale`` (small | default | large), the flags."""
    section = {"scale": "default", "vary": False, "referrals": False} | section
    return SimulateParams(scale=choice(section, "scale", SECTION, Scale),
                          vary=flag(section, "vary", SECTION),
                          referrals=flag(section, "referrals", SECTION))
