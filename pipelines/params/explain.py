"""Typed params of stage ``explain``: rows explained, rows plotted and features shown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipelines.params import integer

SECTION = "explain"


@dataclass(frozen=True)
class ExplainParams:
    """Params of stage ``explain``."""

    max_rows: int
    plot_rows: int
    top_features: int
    dependence_features: int


def parse_explain(section: dict[str, Any]) -> ExplainParams:
    """Validate the ``explain`` section: positive integers."""
    return ExplainParams(**{key: integer(section, key, SECTION, 1, 10**9) for key in (
        "max_rows", "plot_rows", "top_features", "dependence_features")})
