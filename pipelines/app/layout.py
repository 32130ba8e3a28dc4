"""The page's component tree: inputs, the plan, charts, and the alerts and scorecard tabs.

Every string goes in as a component's text, which React escapes; no component here renders
raw HTML or Markdown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from dash import dcc, html

from pipelines.app.view import PLAN_HEADERS, table_rows
from pipelines.inputs.app import AppWorld

CELL = {"padding": "4px 8px", "borderBottom": "1px solid #ddd", "textAlign": "right"}
LEFT = CELL | {"textAlign": "left"}
PAGE = {"fontFamily": "system-ui, sans-serif", "maxWidth": "1200px", "margin": "0 auto",
        "padding": "12px", "color": "#222"}
MESSAGE = {"color": "#a61b1b", "fontWeight": "bold", "minHeight": "1.4em"}


def grid(headers: Sequence[str], rows: Sequence[Sequence[str]], table_id: str,
         left: Sequence[str] = ("channel", "team", "kpi", "why", "binding")) -> html.Table:
    """Lay out a plain table; columns named in ``left`` are left-aligned."""
    styles = [LEFT if h in left else CELL for h in headers]
    head = html.Thead(html.Tr([html.Th(h, style=s) for h, s in zip(headers, styles, strict=True)]))
    body = html.Tbody([html.Tr([html.Td(cell, style=s)
                                for cell, s in zip(row, styles, strict=True)])
                       for row in rows])
    return html.Table([head, body], id=table_id, style={"borderCollapse": "collapse"})


def plan_grid(rows: Sequence[dict[str, str]], total: dict[str, str]) -> html.Table:
    """Lay out the plan: one row per channel and a total row (keys: ``PLAN_HEADERS``)."""
    cells = [[row[h] for h in PLAN_HEADERS] for row in [*rows, total]]
    return grid(PLAN_HEADERS, cells, "plan")


def _amount_input(kind: str, index: int, placeholder: str) -> dcc.Input:
    return dcc.Input(id={"type": kind, "index": index}, type="number", min=0, debounce=True,
                     placeholder=placeholder, style={"width": "11em"})


def limits_form(channels: Sequence[str], current: Sequence[float]) -> html.Table:
    """Per channel: its current weekly spend, min and max for the period, and a lock."""
    rows = [html.Tr([
        html.Td(name, style=LEFT),
        html.Td(f"{spend:,.0f}", style=CELL),
        html.Td(_amount_input("min", i, "no minimum")),
        html.Td(_amount_input("max", i, "no maximum")),
        html.Td(dcc.Checklist(id={"type": "lock", "index": i}, value=[],
                              options=[{"label": " lock", "value": "lock"}])),
    ]) for i, (name, spend) in enumerate(zip(channels, current, strict=True))]
    head = html.Tr([html.Th(h, style=LEFT) for h in
                    ("channel", "current / wk", "min (period)", "max (period)", "lock")])
    return html.Table([html.Thead(head), html.Tbody(rows)], id="limits",
                      style={"borderCollapse": "collapse"})


def controls(budget: float, weeks: int) -> html.Div:
    """Lay out the budget for the period and the period's length in weeks."""
    style = {"marginRight": "16px"}
    return html.Div([
        html.Label(["Budget for the period ",
                    dcc.Input(id="budget", type="number", min=0, value=round(budget),
                              debounce=True, style={"width": "11em"})], style=style),
        html.Label(["Weeks ", dcc.Input(id="weeks", type="number", min=1, step=1, value=weeks,
                                        debounce=True, style={"width": "5em"})], style=style),
    ], style={"margin": "8px 0"})


def plan_section(world: AppWorld, budget: float, weeks: int, first: dict[str, Any]) -> html.Div:
    """Lay out inputs, message, summary, plan, export and charts; ``first`` fills them."""
    inputs = world.planning
    return html.Div([
        controls(budget, weeks),
        limits_form(inputs.channels, list(inputs.current)),
        html.Div(first["message"], id="message", role="alert", style=MESSAGE),
        html.P(first["caption"], id="caption", style={"fontWeight": "bold"}),
        html.Ul(first["summary"], id="summary"),
        html.Div(first["table"], id="plan-table"),
        html.Button("Export plan (CSV)", id="export", style={"margin": "8px 0"}),
        dcc.Download(id="download"),
        dcc.Store(id="plan-store", data=first["store"]),
        dcc.Graph(id="frontier", figure=first.get("frontier", {})),
        dcc.Graph(id="curves", figure=first.get("curves", {})),
    ])


def csv_tab(frame: pd.DataFrame | None, label: str, table_id: str, intro: str) -> dcc.Tab | None:
    """Show a pipeline table as text in a tab, or return None when the output is absent."""
    if frame is None:
        return None
    return dcc.Tab(label=label, value=table_id, children=[
        html.P(intro), grid(list(frame.columns), table_rows(frame), table_id)])


def phase_names(profiles: pd.DataFrame | None) -> list[str]:
    """Return the phases of ``kpi_weights_profiles.csv`` (every column but ``kpi``)."""
    if profiles is None or "kpi" not in profiles:
        return []
    return [str(c) for c in profiles.columns if c != "kpi"]


def scorecard_tab(world: AppWorld) -> dcc.Tab | None:
    """Show the team scorecard with its targets, and the KPI weights of the chosen phase."""
    if world.scorecard is None:
        return None
    children: list[Any] = [
        html.P("Each team's latest KPIs, their 0-100 scores and next month's targets."),
        grid(list(world.scorecard.columns), table_rows(world.scorecard), "scorecard")]
    phases = phase_names(world.kpi_profiles)
    if phases:
        children += [html.H3("KPI weights by phase"),
                     html.P("The weights each strategy phase would give the KPIs; the scorecard "
                            "above uses the phase set in params.yaml."),
                     dcc.Dropdown(id="phase", options=[{"label": p, "value": p} for p in phases],
                                  value=phases[-1], clearable=False, style={"width": "14em"}),
                     html.Div(id="phase-weights")]
    return dcc.Tab(label="Scorecard", value="scorecard-tab", children=children)


def page(world: AppWorld, budget: float, weeks: int, first: dict[str, Any]) -> html.Div:
    """Lay out the page: a plan tab, then alerts and scorecard tabs when those outputs exist."""
    tabs = [dcc.Tab(label="Plan", value="plan-tab",
                    children=plan_section(world, budget, weeks, first)),
            csv_tab(world.alerts, "Alerts", "alerts",
                    "Current alerts: KPIs outside their expected band, with what drives them."),
            scorecard_tab(world)]
    return html.Div([
        html.H1("What-if budget plan", style={"fontSize": "1.6em"}),
        html.P("Move the budget, set limits or lock channels: the plan is recomputed on the "
               "fitted curves (nothing is retrained). Weekly figures unless stated."),
        dcc.Tabs([t for t in tabs if t is not None], value="plan-tab", id="tabs"),
    ], style=PAGE)
