"""Typed view of params.yaml and the one set of validators; library code never reads it.

Each stage's own section is parsed by ``pipelines/params/<stage>.py`` (``parse_<stage>``)
with the validators below, so every message names the key the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import pandas as pd
import yaml

E = TypeVar("E", bound=Enum)


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
    runs: Path = Path("data/runs")
    snapshot: Path = Path("data/snapshot")


@dataclass(frozen=True)
class Params:
    """The params every stage shares, and the raw mapping for the stage's own section."""

    seed: int
    data_dir: Path
    paths: Paths
    cutoff: pd.Timestamp | None
    raw: dict[str, Any]
    data_uri: str | None = None  # a PostgreSQL URL without password; snapshot reads it
    data_queries: dict[str, str] = field(default_factory=dict)

    def section(self, name: str) -> dict[str, Any]:
        """Return one stage's raw section, for the stage's parser to validate."""
        return _section(self.raw, name)


def _section(raw: dict[str, Any], key: str) -> dict[str, Any]:
    """Return ``raw[key]`` as a mapping or raise :class:`ParamsError`."""
    value = raw.get(key)
    if not isinstance(value, dict):
        raise ParamsError(f"params.yaml: section '{key}' is missing or not a mapping")
    return value


def _present(section: dict[str, Any], key: str, where: str) -> Any:
    if key not in section:
        raise ParamsError(f"params.yaml: {where}.{key} is missing")
    return section[key]


def number(section: dict[str, Any], key: str, where: str, low: float, high: float) -> float:
    """Return ``section[key]`` as a float in ``[low, high]``, or raise ParamsError naming it."""
    raw = _present(section, key, where)
    try:
        value = float(raw)
    except (TypeError, ValueError) as err:
        raise ParamsError(f"params.yaml: {where}.{key} must be a number") from err
    if isinstance(raw, bool) or not low <= value <= high:
        raise ParamsError(f"params.yaml: {where}.{key}={raw!r} must be in [{low}, {high}]")
    return value


def integer(section: dict[str, Any], key: str, where: str, low: int, high: int) -> int:
    """Return ``section[key]`` as an int in ``[low, high]``, or raise ParamsError naming it."""
    raw = _present(section, key, where)
    value = number(section, key, where, low, high)
    if value != int(value):
        raise ParamsError(f"params.yaml: {where}.{key}={raw!r} must be a whole number")
    return int(value)


def choice(section: dict[str, Any], key: str, where: str, kind: type[E]) -> E:
    """Return ``section[key]`` as a member of the str Enum ``kind``, or raise ParamsError."""
    raw = _present(section, key, where)
    try:
        return kind(str(raw))
    except ValueError as err:
        choices = " | ".join(str(member.value) for member in kind)
        raise ParamsError(f"params.yaml: {where}.{key}={raw!r} must be one of "
                          f"{choices}") from err


def names(section: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    """Return ``section[key]`` (default: empty) as a tuple of names, or raise ParamsError."""
    value = section.get(key, [])
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise ParamsError(f"params.yaml: {where}.{key} must be a list of names")
    return tuple(value)


def flag(section: dict[str, Any], key: str, where: str) -> bool:
    """Return ``section[key]`` as a bool (true/false in YAML), or raise ParamsError."""
    raw = _present(section, key, where)
    if not isinstance(raw, bool):
        raise ParamsError(f"params.yaml: {where}.{key}={raw!r} must be true or false")
    return raw


def interval(section: dict[str, Any], key: str, where: str) -> tuple[float, float]:
    """Return ``section[key]`` as two numbers with ``0 < low < high < 1``."""
    try:
        low, high = (float(q) for q in _present(section, key, where))
    except (TypeError, ValueError) as err:
        raise ParamsError(f"params.yaml: {where}.{key} must be two numbers") from err
    if not 0.0 < low < high < 1.0:
        raise ParamsError(f"params.yaml: {where}.{key} must satisfy 0 < low < high < 1")
    return low, high


def known_keys(section: dict[str, Any], where: str, allowed: set[str]) -> None:
    """Raise ParamsError naming any key of ``section`` outside ``allowed``."""
    unknown = sorted(set(section) - allowed)
    if unknown:
        raise ParamsError(f"params.yaml: {where} has unknown key(s): {', '.join(unknown)}")


def _cutoff(value: object) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        return pd.Timestamp(str(value))
    except ValueError as err:
        raise ParamsError(f"params.yaml: features.cutoff {value!r} is not a date") from err


QUERY_TABLES = frozenset({"customers", "orders", "spend", "leads", "staff"})


def _data_uri(section: dict[str, Any], paths: Paths) -> str | None:
    """Return ``data.uri`` (a PostgreSQL URL without password) or None; check data.dir."""
    uri = section.get("uri")
    if uri is None:
        return None
    parts = urlsplit(str(uri))
    if parts.scheme not in ("postgresql", "postgres") or not parts.hostname:
        raise ParamsError("params.yaml: data.uri must be postgresql://USER@HOST:PORT/DB"
                          "?schema=SCHEMA")
    if parts.password is not None:  # never echo it
        raise ParamsError("params.yaml: data.uri holds a password: remove it and set "
                          "PGPASSWORD or a .env file instead (params.yaml is committed)")
    if Path(section["dir"]) != paths.snapshot:
        raise ParamsError(f"params.yaml: with data.uri set, data.dir must be paths.snapshot "
                          f"({paths.snapshot}): prepare reads the warehouse's snapshot")
    return str(uri)


def _data_queries(section: dict[str, Any]) -> dict[str, str]:
    """Return ``data.queries`` (default: none), one SQL query per known table."""
    queries = section.get("queries") or {}
    if not isinstance(queries, dict) or not all(
            isinstance(query, str) for query in queries.values()):
        raise ParamsError("params.yaml: data.queries must map table names to SQL queries")
    known_keys(queries, "data.queries", set(QUERY_TABLES))
    return {str(table): query for table, query in queries.items()}


def parse_params(raw: dict[str, Any]) -> Params:
    """Validate the shared params (seed, data, paths, features.cutoff) and return them."""
    try:
        paths = Paths(**{k: Path(v) for k, v in _section(raw, "paths").items()})
        data = _section(raw, "data")
        known_keys(data, "data", {"dir", "uri", "queries"})
        return Params(seed=int(raw["seed"]), data_dir=Path(data["dir"]),
                      paths=paths, cutoff=_cutoff(_section(raw, "features").get("cutoff")),
                      raw=raw, data_uri=_data_uri(data, paths), data_queries=_data_queries(data))
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
