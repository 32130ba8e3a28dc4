"""Typed params of stage ``report``: the page title and how many leads and reasons it lists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipelines.params import integer

SECTION = "report"


@dataclass(frozen=True)
class ReportParams:
    """Params of stage ``report``."""

    title: str
    top_leads: int
    top_reasons: int


def parse_report(section: dict[str, Any]) -> ReportParams:
    """Validate the ``report`` section; each key has a default."""
    section = {"title": "channelwise", "top_leads": 10, "top_reasons": 10} | section
    return ReportParams(title=str(section["title"]),
                        top_leads=integer(section, "top_leads", SECTION, 0, 10**6),
                        top_reasons=integer(section, "top_reasons", SECTION, 0, 10**6))
