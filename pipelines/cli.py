"""The ``channelwise`` command line: one Typer app, one module per command."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="channelwise",
    help="Budget plans and KPI weights that maximise customer lifetime value.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    from pipelines.commands import allocate, simulate, validate
    from pipelines.commands.cltv import cltv

    app.command("cltv")(cltv)
    app.command("simulate")(simulate.simulate)
    app.command("allocate")(allocate.allocate)
    app.command("validate")(validate.validate)
    from pipelines.commands.score_leads import score_leads

    app.command("score-leads")(score_leads)
    from pipelines.commands.report import report

    app.command("report")(report)
    from pipelines.commands.incentives import incentives

    app.command("incentives")(incentives)
    from pipelines.commands.audit_scheme import audit_scheme

    app.command("audit-scheme")(audit_scheme)
    from pipelines.commands.monitor import monitor

    app.command("monitor")(monitor)
    from pipelines.commands.models import models

    app.command("models")(models)
    from pipelines.commands.app import app as app_command

    app.command("app")(app_command)


_register()

if __name__ == "__main__":
    app()
