"""``channelwise report``: regenerate reports/index.html from the outputs of the last run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console


def report(
    open_page: Annotated[
        bool, typer.Option("--open", help="Open the page in the default web browser.")
    ] = False,
    params: Annotated[Path, typer.Option(help="params.yaml that locates the outputs.")] = Path(
        "params.yaml"
    ),
) -> None:
    """Rebuild the self-contained report page from the pipeline's existing outputs.

    Retrains nothing: it reads reports/, metrics/ and data/models/ and writes
    reports/index.html; sections whose outputs are missing say so.

    Example: channelwise report --open
    """
    import webbrowser

    from models.io import write_text
    from models.report.page import render_report
    from pipelines import outputs
    from pipelines.commands.errors import fail, first_line
    from pipelines.inputs.report import load_report_inputs
    from pipelines.params import ParamsError, load_params

    try:
        loaded = load_params(params)
        page = write_text(outputs.REPORT_PAGE.path(loaded.paths),
                          render_report(load_report_inputs(loaded, params)))
    except (ParamsError, ValueError, OSError, KeyError) as err:
        raise fail(first_line(err)) from None
    Console().print(f"Wrote {page}")
    if open_page:
        webbrowser.open(page.resolve().as_uri())
