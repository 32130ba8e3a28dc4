"""The page's interactive figures (Plotly): the budget frontier and each channel's curve.

Plotly reads a few HTML tags in labels, so every name has ``<``, ``>`` and ``&`` escaped
first (Plotly decodes those entities back to text, not ``&quot;``); hover shows the values.
"""

from __future__ import annotations

import html
import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from models.allocation.planning import PlanningInputs
from models.allocation.whatif import curve_points
from models.figures import BLUE, GREY, INK, RED


def label(name: str) -> str:
    """Return ``name`` safe for a Plotly label: shown as written, never read as a tag."""
    return html.escape(name, quote=False)


FONT = {"family": "system-ui, sans-serif", "size": 12, "color": INK}


def _layout(figure: go.Figure, title: str, height: int) -> go.Figure:
    figure.update_layout(title={"text": label(title), "x": 0}, height=height, font=FONT,
                         template="plotly_white", margin={"l": 60, "r": 20, "t": 60, "b": 50},
                         hovermode="closest", legend={"orientation": "h", "y": -0.15})
    return figure


def frontier_figure(frontier: pd.DataFrame, weeks: int, budget: float, value: float,
                    current_budget: float, current_value: float) -> go.Figure:
    """Best value over the period at each budget, with the chosen plan and the current mix.

    Parameters
    ----------
    frontier : pandas.DataFrame
        ``weekly_budget`` and ``expected_value`` (weekly), as from ``whatif.frontier``.
    weeks : int
        Weeks in the period; weekly figures are multiplied by it.
    budget, value : float
        The chosen plan's weekly budget and value.
    current_budget, current_value : float
        The current mix's weekly spend and value.
    """
    figure = go.Figure()
    hover = "budget %{x:,.0f}<br>value %{y:,.0f}<extra>%{fullData.name}</extra>"
    if len(frontier):
        figure.add_scatter(x=frontier["weekly_budget"] * weeks,
                           y=frontier["expected_value"] * weeks, mode="lines+markers",
                           name="best plan at each budget", line={"color": BLUE},
                           hovertemplate=hover)
    figure.add_scatter(x=[current_budget * weeks], y=[current_value * weeks], mode="markers",
                       name="current mix", marker={"color": GREY, "size": 11},
                       hovertemplate=hover)
    figure.add_scatter(x=[budget * weeks], y=[value * weeks], mode="markers",
                       name="this plan", marker={"color": RED, "size": 13, "symbol": "diamond"},
                       hovertemplate=hover)
    figure.update_xaxes(title_text=f"budget over {weeks} weeks")
    figure.update_yaxes(title_text=f"expected value over {weeks} weeks")
    return _layout(figure, "Budget frontier", 380)


def curves_figure(inputs: PlanningInputs, recommended: list[float], columns: int = 3
                  ) -> go.Figure:
    """Each paid channel's weekly value curve, with its current and recommended spend."""
    names = inputs.channels
    rows = max(1, math.ceil(len(names) / columns))
    figure = make_subplots(rows=rows, cols=columns, subplot_titles=[label(n) for n in names],
                           horizontal_spacing=0.08, vertical_spacing=0.5 / rows)
    upto = max(float(inputs.history_cap.max()), max(recommended, default=0.0)) * 1.05
    for i, name in enumerate(names):
        row, col = i // columns + 1, i % columns + 1
        vpu = float(inputs.value_per_unit[i])
        curve = inputs.curves.channel(name)
        points = curve_points(curve, vpu, max(float(inputs.history_cap[i]), recommended[i],
                                              upto / 4))
        text = label(name)
        figure.add_scatter(x=points["spend"], y=points["value"], mode="lines", row=row, col=col,
                           line={"color": BLUE}, showlegend=False, name=text,
                           hovertemplate="spend %{x:,.0f}/wk<br>value %{y:,.0f}/wk"
                                         "<extra>%{fullData.name}</extra>")
        for spend, what, color in ((float(inputs.current[i]), "current", GREY),
                                   (recommended[i], "recommended", RED)):
            figure.add_scatter(x=[spend], y=[vpu * float(curve.response(spend))], mode="markers",
                               row=row, col=col, marker={"color": color, "size": 10},
                               name=what, legendgroup=what, showlegend=i == 0, text=[text],
                               hovertemplate=f"{what} %{{x:,.0f}}/wk<br>value %{{y:,.0f}}/wk"
                                             "<extra>%{text}</extra>")
    figure.update_xaxes(title_text="weekly spend", title_font={"size": 11})
    _layout(figure, "Response curves: weekly value by weekly spend", 260 * rows + 80)
    # The legend sits above the subplot titles, at the right of the figure's title.
    return figure.update_layout(margin={"t": 90}, legend={
        "orientation": "h", "yanchor": "bottom", "y": 1.0 + 40 / (260 * rows),
        "xanchor": "right", "x": 1})
