"""What happens on each input: re-plan and redraw, or say why not and keep the last plan.

``replan`` and ``on_change`` are plain functions of the world and the form's values, so tests
call them without a browser; ``register`` wires them to a Dash app.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from dash import ALL, Dash, Input, Output, State, dcc, html, no_update

from models.allocation.optimizer import InfeasibleAllocationError
from models.allocation.plan import Bounds
from models.allocation.planning import Plan, make_plan
from models.allocation.whatif import constraints_from_limits, frontier
from pipelines.app.charts import curves_figure, frontier_figure
from pipelines.app.layout import grid, phase_names, plan_grid
from pipelines.app.view import export_csv, parse_limits, plan_rows, summary, table_rows, total_row
from pipelines.inputs.app import AppWorld

# The outputs of a re-plan, in the order of ``on_change``'s tuple.
OUTPUT_KEYS = ("table", "summary", "caption", "store", "message")
EXPORT_NAME = "budget_allocation_whatif.csv"


@dataclass(frozen=True)
class Request:
    """The form's values: the budget for the period, its weeks and per-channel limits."""

    budget: Any
    weeks: Any
    minimums: Sequence[Any]
    maximums: Sequence[Any]
    locks: Sequence[Any]


def _weeks(value: Any) -> int:
    try:
        weeks = float(value)
    except (TypeError, ValueError):
        weeks = float("nan")
    if not (weeks >= 1 and weeks == int(weeks)):
        raise ValueError(f"the period must be a whole number of weeks, 1 or more (got {value!r})")
    return int(weeks)


def _budget(value: Any) -> float:
    try:
        budget = float(value)
    except (TypeError, ValueError):
        budget = float("nan")
    if not budget >= 0 or budget == float("inf"):
        raise ValueError(f"the budget must be a number, 0 or more (got {value!r})")
    return budget


def replan(world: AppWorld, request: Request) -> tuple[Plan, int]:
    """Make the plan the form asks for; return it and the period's weeks.

    Raises
    ------
    ValueError
        A budget, period or limit that is not a valid number.
    InfeasibleAllocationError
        Limits that no plan can meet (a ValueError too).
    """
    weeks, budget = _weeks(request.weeks), _budget(request.budget)
    inputs = world.planning
    limits = parse_limits(inputs.channels, request.minimums, request.maximums, request.locks)
    return make_plan(inputs, budget / weeks, constraints_from_limits(limits, weeks)), weeks


def render(world: AppWorld, plan: Plan, weeks: int) -> dict[str, Any]:
    """Return the plan's outputs keyed by :data:`OUTPUT_KEYS` (no message; charts follow)."""
    table = plan.table
    budget = float(table["recommended_weekly_spend"].sum())
    return {
        "table": plan_grid(plan_rows(table), total_row(table)),
        "summary": [html.Li(line) for line in summary(plan, weeks)],
        "caption": f"Plan for a budget of {budget * weeks:,.0f} over {weeks} weeks "
                   f"({budget:,.0f} a week).",
        "store": {"weeks": weeks, "records": _records(table), "value": plan.result.value,
                  "current_value": plan.current_value},
        "message": "",
    }


def curves_output(world: AppWorld, stored: dict[str, Any]) -> Any:
    """Draw each channel's curve with the stored plan's current and recommended spend."""
    by_name = {r["channel"]: float(r["recommended_weekly_spend"]) for r in stored["records"]}
    return curves_figure(world.planning, [by_name[c] for c in world.planning.channels])


def frontier_range(current: float, budget: float) -> tuple[float, float]:
    """Weekly budgets the frontier spans: 50-150% of the current spend, widened to the plan's.

    A fixed span lets a budget change inside it reuse the frontier already drawn.
    """
    return min(0.5 * current, 0.9 * budget), max(1.5 * current, 1.1 * budget)


def frontier_output(world: AppWorld, stored: dict[str, Any], cache: dict[Any, Any]) -> Any:
    """Draw the frontier of a stored plan (its bounds, budget and weeks).

    ``cache`` maps (bounds, span) to frontier frames, so moving the budget within the span
    costs no optimisation.
    """
    records, weeks = stored["records"], int(stored["weeks"])
    lower = tuple(float(r["lower_bound"]) for r in records)
    upper = tuple(float(r["upper_bound"]) for r in records)
    budget = sum(float(r["recommended_weekly_spend"]) for r in records)
    current = float(world.planning.current.sum())
    low, high = frontier_range(current, budget)
    key = (lower, upper, round(low, 6), round(high, 6))
    if key not in cache:
        bounds = Bounds(np.array(lower), np.array(upper), ["zero"] * len(lower),
                        ["history_cap"] * len(upper))
        cache[key] = frontier(world.planning, bounds, 1.0, points=11, low=low, high=high)
    return frontier_figure(cache[key], weeks, budget, float(stored["value"]), current,
                           float(stored["current_value"]))


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    # NaN is not JSON: a change from zero current spend is stored as None.
    return [{str(k): (None if isinstance(v, float) and v != v else v) for k, v in row.items()}
            for row in table.to_dict("records")]


def on_change(world: AppWorld, request: Request) -> tuple[Any, ...]:
    """Return the outputs for the form's values; on bad input only a message, the plan stays."""
    try:
        plan, weeks = replan(world, request)
    except InfeasibleAllocationError as err:
        return _keep(f"No plan meets these limits (amounts per week): {err}. "
                     "The last valid plan is shown.")
    except ValueError as err:
        return _keep(f"Check the inputs: {err}. The last valid plan is shown.")
    outputs = render(world, plan, weeks)
    return tuple(outputs[key] for key in OUTPUT_KEYS)


def _keep(message: str) -> tuple[Any, ...]:
    return (*(no_update for _ in OUTPUT_KEYS[:-1]), message)


def phase_weights(world: AppWorld, phase: str | None) -> Any:
    """Show the KPI weights of one phase, largest first (``kpi_weights_profiles.csv``)."""
    profiles = world.kpi_profiles
    if profiles is None or phase not in phase_names(profiles):
        return ""
    rows = profiles[["kpi", str(phase)]].rename(columns={str(phase): "weight"})
    order = pd.to_numeric(rows["weight"], errors="coerce").fillna(0.0)
    rows = rows.iloc[order.sort_values(ascending=False, kind="stable").index]
    return grid(["kpi", "weight"], table_rows(rows), "phase-table")


def register(app: Dash, world: AppWorld, cache: dict[Any, Any]) -> None:
    """Wire the callbacks: re-plan on any input, then its frontier; export; phase weights.

    ``cache`` holds the frontiers drawn so far (see :func:`frontier_output`).
    """
    @app.callback(
        Output("plan-table", "children"), Output("summary", "children"),
        Output("caption", "children"), Output("plan-store", "data"),
        Output("message", "children"),
        Input("budget", "value"), Input("weeks", "value"),
        Input({"type": "min", "index": ALL}, "value"),
        Input({"type": "max", "index": ALL}, "value"),
        Input({"type": "lock", "index": ALL}, "value"),
        prevent_initial_call=True,
    )
    def _replan(budget: Any, weeks: Any, minimums: list[Any], maximums: list[Any],
                locks: list[Any]) -> tuple[Any, ...]:
        return on_change(world, Request(budget, weeks, minimums, maximums, locks))

    @app.callback(Output("frontier", "figure"), Output("curves", "figure"),
                  Input("plan-store", "data"), prevent_initial_call=True)
    def _charts(stored: dict[str, Any] | None) -> Any:
        if not stored:
            return no_update, no_update
        return frontier_output(world, stored, cache), curves_output(world, stored)

    @app.callback(Output("download", "data"), Input("export", "n_clicks"),
                  State("plan-store", "data"), prevent_initial_call=True)
    def _export(_clicks: int | None, stored: dict[str, Any] | None) -> Any:
        if not stored:
            return no_update
        return dcc.send_string(export_csv(stored["records"]), EXPORT_NAME)

    if world.scorecard is not None and phase_names(world.kpi_profiles):
        @app.callback(Output("phase-weights", "children"), Input("phase", "value"))
        def _phase(phase: str | None) -> Any:
            return phase_weights(world, phase)
