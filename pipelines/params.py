"""Typed view of params.yaml, validated once at the edge; library code never reads it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from models.simulation.world import Scale


class ParamsError(ValueError):
    """params.yaml is missing a key or holds a value of the wrong kind."""


@dataclass(frozen=True)
class Paths:
    """Where stages read and write; dvc.yaml templates the same keys."""

    simulated: Path
    prepared: Path
    features: Path
    predictions: Path
    models: Path
    explanations: Path
    metrics: Path
    plots: Path
    reports: Path
    figures: Path


@dataclass(frozen=True)
class SimulateParams:
    """Params of stage ``simulate``; ``vary`` draws a seed-specific variant of the world."""

    scale: Scale
    vary: bool = False


@dataclass(frozen=True)
class FeaturesParams:
    """Params of stage ``features``; ``cutoff`` None means the end of the data."""

    cutoff: pd.Timestamp | None


@dataclass(frozen=True)
class Params:
    """All params the stages use."""

    seed: int
    data_dir: Path
    paths: Paths
    simulate: SimulateParams
    features: FeaturesParams
    raw: dict[str, Any]

    def section(self, name: str) -> dict[str, Any]:
        """Return one stage's raw section, for the stage to validate itself."""
        return _section(self.raw, name)


def _section(raw: dict[str, Any], key: str) -> dict[str, Any]:
    """Return ``raw[key]`` as a mapping or raise :class:`ParamsError`."""
    value = raw.get(key)
    if not isinstance(value, dict):
        raise ParamsError(f"params.yaml: section '{key}' is missing or not a mapping")
    return value


def _cutoff(value: object) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        return pd.Timestamp(str(value))
    except ValueError as err:
        raise ParamsError(f"params.yaml: features.cutoff {value!r} is not a date") from err


def parse_params(raw: dict[str, Any]) -> Params:
    """Validate a params mapping and return typed params."""
    try:
        paths = Paths(**{k: Path(v) for k, v in _section(raw, "paths").items()})
        simulate = _section(raw, "simulate")
        scale = Scale(str(simulate.get("scale", "default")))
        return Params(
            seed=int(raw["seed"]),
            data_dir=Path(_section(raw, "data")["dir"]),
            paths=paths,
            simulate=SimulateParams(scale=scale, vary=bool(simulate.get("vary", False))),
            features=FeaturesParams(cutoff=_cutoff(_section(raw, "features").get("cutoff"))),
            raw=raw,
        )
    except (KeyError, TypeError, ValueError) as err:
        if isinstance(err, ParamsError):
            raise
        raise ParamsError(f"params.yaml: {err}") from err


def load_params(path: str | Path = "params.yaml") -> Params:
    """Read and validate params.yaml."""
    with open(path, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    if not isinstance(raw, dict):
        raise ParamsError(f"{path} is not a YAML mapping")
    return parse_params(raw)
