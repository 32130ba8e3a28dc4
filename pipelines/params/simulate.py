"""Typed params of stage ``simulate``: the world's scale and whether it varies by seed."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from models.simulation.drift import Drift, parse_drift
from models.simulation.world import Scale
from pipelines.params import ParamsError, choice, flag, integer, names

SECTION = "simulate"


class TableFormat(StrEnum):
    """File format of the simulated tables: CSV reads anywhere, Parquet is ~5x faster at scale."""

    CSV = "csv"
    PARQUET = "parquet"


@dataclass(frozen=True)
class SimulateParams:
    """Params of stage ``simulate``; ``vary`` draws a seed-specific variant of the world."""

    scale: Scale
    vary: bool = False
    referrals: bool = False
    drifts: tuple[Drift, ...] = ()
    kpi_world: int | None = None  # truth seed of a varied KPI world (docs/kpis.md)
    format: TableFormat = TableFormat.CSV


def parse_drifts(section: dict[str, Any]) -> tuple[Drift, ...]:
    """Validate ``drifts``: a list of ``KIND:SEGMENT:WEEK:SIZE`` (empty by default)."""
    try:
        return tuple(parse_drift(text) for text in names(section, "drifts", SECTION))
    except ValueError as error:
        raise ParamsError(f"params.yaml: {SECTION}.drifts: {error}") from None


def parse_simulate(section: dict[str, Any]) -> SimulateParams:
    """Validate the ``simulate`` section: ``scale`` (small | default | large), the flags."""
    section = {"scale": "default", "vary": False, "referrals": False, "format": "csv"} | section
    return SimulateParams(scale=choice(section, "scale", SECTION, Scale),
                          vary=flag(section, "vary", SECTION),
                          referrals=flag(section, "referrals", SECTION),
                          drifts=parse_drifts(section),
                          kpi_world=None if section.get("kpi_world") is None
                          else integer(section, "kpi_world", SECTION, 0, 2**32 - 1),
                          format=choice(section, "format", SECTION, TableFormat))
