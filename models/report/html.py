"""HTML building blocks of the report: escaping, number formats, tables, inline images.

Every string that comes from data passes through :func:`esc`; numbers are formatted here,
so a section never writes a raw value into the page.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pandas as pd

Formatter = Callable[[Any], str]
DASH = "—"


def esc(value: object) -> str:
    """Escape any value for HTML text and attribute values (quotes included)."""
    return html.escape(str(value), quote=True)


def as_number(value: Any) -> float | None:
    """Return ``value`` as a finite float, or None."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def number(value: Any, digits: int = 0) -> str:
    """``1,234`` (thousands separators, ``digits`` decimals); a dash when not a number."""
    finite = as_number(value)
    return DASH if finite is None else f"{finite:,.{digits}f}"


def compact(value: Any) -> str:
    """Short numbers for headlines: ``1.2M``, ``35.4k``, ``812``."""
    finite = as_number(value)
    if finite is None:
        return DASH
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(finite) >= size:
            return f"{finite / size:,.1f}{suffix}"
    return f"{finite:,.0f}"


def percent(value: Any, digits: int = 0, signed: bool = False) -> str:
    """Format a share as ``12%`` (``+12%`` when ``signed``); a dash when not a number."""
    finite = as_number(value)
    if finite is None:
        return DASH
    return f"{finite * 100:{'+' if signed else ''}.{digits}f}%"


def interval(low: Any, high: Any, digits: int = 0) -> str:
    """``low–high`` with :func:`number` (``low to high`` if negative); a dash when missing."""
    first, last = as_number(low), as_number(high)
    if first is None or last is None:
        return DASH
    joint = "–" if first >= 0 and last >= 0 else " to "
    return f"{number(first, digits)}{joint}{number(last, digits)}"


def with_band(value: str, low: Any, high: Any, digits: int = 0) -> str:
    """``value (low–high)``, or just ``value`` when the band is missing."""
    band = interval(low, high, digits)
    return value if band == DASH else f"{value} ({band})"


def text(value: Any) -> str:
    """Format a cell value as text: empty for missing, else ``str``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def table_html(
    frame: pd.DataFrame,
    formats: Mapping[str, Formatter] | None = None,
    headers: Mapping[str, str] | None = None,
    numeric: Iterable[str] = (),
    caption: str = "",
) -> str:
    """Render ``frame`` as an HTML table, every header and cell escaped.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows to show, columns in order.
    formats : mapping, optional
        Column to formatter (value -> text); other columns use :func:`text`.
    headers : mapping, optional
        Column to display name.
    numeric : iterable of str
        Columns aligned right.
    caption : str
        Shown above the table.
    """
    formats, headers, right = formats or {}, headers or {}, set(numeric)
    head = "".join(f'<th{" class=num" if c in right else ""}>{esc(headers.get(c, c))}</th>'
                   for c in frame.columns)
    body = []
    for record in frame.itertuples(index=False, name=None):
        cells = "".join(
            f'<td{" class=num" if c in right else ""}>{esc(formats.get(c, text)(v))}</td>'
            for c, v in zip(frame.columns, record, strict=True))
        body.append(f"<tr>{cells}</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return (f'<div class="scroll"><table>{cap}<thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def image_html(png: bytes, alt: str, caption: str = "") -> str:
    """Inline a PNG as a ``data:`` URI inside a figure, so the page needs no other file."""
    data = base64.b64encode(png).decode("ascii")
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return f'<figure><img src="data:image/png;base64,{data}" alt="{esc(alt)}">{cap}</figure>'


def note_html(message: str) -> str:
    """Render a visible note, e.g. that a section's inputs were not produced by this run."""
    return f'<p class="note">{esc(message)}</p>'


def missing_html(what: str, paths: Iterable[str]) -> str:
    """Render the standard note for a part whose input files are absent."""
    listed = ", ".join(paths)
    return note_html(f"{what}: not produced by this run (missing {listed}).")


def facts_html(pairs: Iterable[tuple[str, str]]) -> str:
    """Render a definition list of label/value pairs, both escaped."""
    items = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in pairs)
    return f"<dl>{items}</dl>"


def kpis_html(pairs: Iterable[tuple[str, str, str]]) -> str:
    """Headline tiles: (label, value, detail), all escaped."""
    tiles = "".join(
        f'<div class="tile"><div class="label">{esc(label)}</div>'
        f'<div class="value">{esc(value)}</div><div class="detail">{esc(detail)}</div></div>'
        for label, value, detail in pairs)
    return f'<div class="tiles">{tiles}</div>'


def section_html(section_id: str, title: str, intro: str, body: str) -> str:
    """Render a page section with a stable ``id``, a heading and an escaped intro sentence."""
    lead = f'<p class="intro">{esc(intro)}</p>' if intro else ""
    return (f'<section id="{esc(section_id)}"><h2>{esc(title)}</h2>{lead}{body}</section>')


def missing_columns(frame: pd.DataFrame, columns: Iterable[str]) -> list[str]:
    """Columns of ``columns`` that ``frame`` lacks."""
    return [c for c in columns if c not in frame.columns]
