"""What the page prints: plan rows, the summary, the CSV export, limits from the form, tables.

Pure functions of plain values. Text goes to the page as text nodes (Dash never renders a
string as HTML), so a channel called ``<b>x</b>`` reads as written.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from models.allocation.plan import PLAN_COLUMNS
from models.allocation.planning import Plan
from models.allocation.whatif import ChannelLimits, why_lines
from models.report.html import DASH, as_number, number

PLAN_HEADERS = ("channel", "current / wk", "recommended / wk", "change", "expected value / wk",
                "p10–p90", "marginal ROI", "binding", "why")


def plan_rows(table: pd.DataFrame) -> list[dict[str, str]]:
    """Display rows of a plan table (keys: :data:`PLAN_HEADERS`), a "why" per channel.

    ``table`` has the columns of ``budget_allocation.csv`` plus the p10/p90 bands.
    """
    rows = []
    for row, reason in zip(table.to_dict("records"), why_lines(table), strict=True):
        change = as_number(row["change_pct"])
        rows.append({
            "channel": str(row["channel"]),
            "current / wk": number(row["current_weekly_spend"]),
            "recommended / wk": number(row["recommended_weekly_spend"]),
            "change": DASH if change is None else f"{change:+.0f}%",
            "expected value / wk": number(row["expected_value"]),
            "p10–p90": f"{number(row['expected_value_p10'])}–{number(row['expected_value_p90'])}",
            "marginal ROI": f"{float(row['marginal_roi']):.2f}",
            "binding": str(row["binding"]),
            "why": reason,
        })
    return rows


def total_row(table: pd.DataFrame) -> dict[str, str]:
    """Return the plan's weekly totals, in the keys of :data:`PLAN_HEADERS`."""
    return {key: "" for key in PLAN_HEADERS} | {
        "channel": "total",
        "current / wk": number(table["current_weekly_spend"].sum()),
        "recommended / wk": number(table["recommended_weekly_spend"].sum()),
        "expected value / wk": number(table["expected_value"].sum()),
    }


def summary(plan: Plan, weeks: int) -> list[str]:
    """Headline lines: the period's value and uplift, P(plan beats current), the gap."""
    value, uplift = plan.result.value * weeks, (plan.result.value - plan.current_value) * weeks
    p_beats = plan.p_beats_current
    chance = DASH if not math.isfinite(p_beats) else f"{p_beats:.0%}"
    return [
        f"Expected value over {weeks} weeks: {value:,.0f} ({uplift:+,.0f} vs the current mix).",
        f"P(plan beats the current mix): {chance}.",
        f"Optimality gap ≤ {plan.result.gap:.3%} (the plan is at most this far from the best).",
    ]


def export_csv(records: Sequence[dict[str, Any]]) -> str:
    """Write a stored plan table as CSV text in the columns of ``budget_allocation.csv``."""
    frame = pd.DataFrame(list(records))
    frame = frame[[c for c in PLAN_COLUMNS if c in frame.columns]]
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, float_format="%.10g")
    return buffer.getvalue()


def parse_limits(
    channels: Sequence[str], minimums: Sequence[Any], maximums: Sequence[Any],
    locks: Sequence[Any],
) -> dict[str, ChannelLimits]:
    """Per-channel limits from the form's values, in channel order (blank = no limit).

    ``locks`` holds each channel's checklist value: a non-empty list means locked.

    Raises
    ------
    ValueError
        A value that is not a number, naming the channel.
    """
    out = {}
    for channel, low, high, lock in zip(channels, minimums, maximums, locks, strict=True):
        out[channel] = ChannelLimits(_optional(low, channel, "minimum"),
                                     _optional(high, channel, "maximum"), bool(lock))
    return out


def _optional(value: Any, channel: str, what: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    parsed = as_number(value)
    if parsed is None or isinstance(value, bool):
        raise ValueError(f"{channel}: the {what} must be a number, not {value!r}")
    return parsed


def display_value(text: str) -> str:
    """Format a CSV cell for reading: numbers rounded (``12,346``, ``0.123``), text as is."""
    parsed = as_number(text) if text.strip() else None
    if parsed is None or text.strip().lower() in {"nan", "inf", "-inf", "infinity"}:
        return text
    if parsed == int(parsed) and abs(parsed) < 1e15:
        return f"{int(parsed):,}"
    return f"{parsed:,.0f}" if abs(parsed) >= 100 else f"{parsed:.3g}"


LABEL_COLUMNS = frozenset({"team", "channel", "segment", "segment_type", "kpi", "month",
                           "first_week", "last_week", "direction", "severity", "drivers"})


def table_rows(frame: pd.DataFrame) -> list[list[str]]:
    """Format a text table's cells (see ``load_app_world``): numbers rounded, labels as is."""
    columns = [list(frame[c].astype(str)) for c in frame.columns]
    shown = [col if name in LABEL_COLUMNS else [display_value(v) for v in col]
             for name, col in zip(frame.columns, columns, strict=True)]
    return [list(row) for row in zip(*shown, strict=True)] if shown else []
