"""``channelwise app``: the what-if page for planners in the browser, on the fitted artefacts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

DEFAULT_HOST = "127.0.0.1"


def app(
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8050,
    host: Annotated[
        str,
        typer.Option(help="Address to bind; the default keeps the page on this machine."),
    ] = DEFAULT_HOST,
    weeks: Annotated[int, typer.Option(min=1, help="Weeks the budget covers at start.")] = 13,
    params: Annotated[Path, typer.Option(help="params.yaml that locates the artefacts.")] = Path(
        "params.yaml"
    ),
) -> None:
    """Start a local web page to move the budget, set limits, lock channels and see the plan.

    Reads the fitted curves, channel CLTV, P(convert) and bootstrap sets; retrains nothing.
    Run `dvc repro allocate` first. Open the printed address in a browser; Ctrl+C stops it.

    Example: channelwise app --port 8050
    """
    from pipelines.commands.errors import fail, first_line
    from pipelines.inputs import MissingArtefactError
    from pipelines.params import ParamsError, load_params

    try:
        loaded = load_params(params)
        from pipelines.inputs.app import load_app_world

        world = load_app_world(loaded.paths, loaded.seed)
        from pipelines.app.server import build_app, serve

        page = build_app(world, weeks)
    except (MissingArtefactError, ParamsError, ValueError, OSError) as err:
        raise fail(first_line(err)) from None
    typer.echo(f"channelwise app: open http://{host}:{port}/ (Ctrl+C stops it)")
    try:
        serve(page, host, port)
    except OSError as err:  # the port is taken, or the address is not this machine's
        raise fail(f"cannot listen on {host}:{port}: {first_line(err)}") from None
