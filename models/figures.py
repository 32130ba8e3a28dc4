"""The house style of every figure and the one way to render it: PNG bytes, same data same bytes.

Write the bytes with :func:`models.io.write_bytes`; nothing else saves a figure.
"""

from __future__ import annotations

import io

from matplotlib.figure import Figure

BLUE, RED, GREY, INK = "#1f77b4", "#d62728", "#8c8c8c", "#222222"
DPI = 100


def png_bytes(figure: Figure) -> bytes:
    """Render ``figure`` as PNG bytes: fixed DPI, no metadata, tight bounding box."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None},
                   bbox_inches="tight", pad_inches=0.15)
    return buffer.getvalue()


def new_figure(width: float, height: float) -> Figure:
    """Make a figure in the house style: white, constrained layout."""
    figure = Figure(figsize=(width, height), facecolor="white")
    figure.set_layout_engine("constrained")
    return figure


def short(text: str, limit: int = 22) -> str:
    """Clip a label to ``limit`` characters with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
