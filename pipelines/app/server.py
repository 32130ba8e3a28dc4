"""Build the Dash app on a loaded world and serve it (127.0.0.1 unless told otherwise)."""

from __future__ import annotations

from typing import Any

from dash import Dash

from pipelines.app.callbacks import (
    Request,
    curves_output,
    frontier_output,
    register,
    render,
    replan,
)
from pipelines.app.layout import page
from pipelines.inputs.app import AppWorld

DEFAULT_HOST = "127.0.0.1"
DEFAULT_WEEKS = 13
TITLE = "channelwise: what-if budget plan"


def build_app(world: AppWorld, weeks: int = DEFAULT_WEEKS) -> Dash:
    """Build the page with the current budget's plan already drawn, and its callbacks.

    The first plan is computed here, once, so the page is complete when it loads; inputs
    re-plan through :func:`pipelines.app.callbacks.on_change`.
    """
    inputs = world.planning
    budget = float(inputs.current.sum()) * weeks
    # The form shows the budget rounded to a whole unit; plan on exactly what it shows.
    request = Request(round(budget), weeks, [None] * len(inputs.channels),
                      [None] * len(inputs.channels), [[]] * len(inputs.channels))
    plan, _ = replan(world, request)
    app = Dash(__name__, title=TITLE, update_title="", serve_locally=True,
               suppress_callback_exceptions=True)
    first = render(world, plan, weeks)
    cache: dict[Any, Any] = {}
    first["frontier"] = frontier_output(world, first["store"], cache)
    first["curves"] = curves_output(world, first["store"])
    app.layout = page(world, round(budget), weeks, first)
    register(app, world, cache)
    return app


def serve(app: Dash, host: str = DEFAULT_HOST, port: int = 8050) -> None:
    """Serve until interrupted; debug mode (and its code-running console) stays off."""
    app.run(host=host, port=port, debug=False, dev_tools_ui=False, dev_tools_hot_reload=False)
