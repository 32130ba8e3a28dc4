"""``channelwise models``: registered models, their versions, aliases and backtest metrics."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from pipelines.commands.errors import fail, first_line


def version_rows(client: Any) -> list[dict[str, str]]:
    """One row per registered version, newest first within each model (by name)."""
    from pipelines.tracking import GATES

    rows = []
    for registered in sorted(client.search_registered_models(), key=lambda m: m.name):
        gate = GATES.get(registered.name)
        aliases: dict[str, list[str]] = {}
        for alias, number in (client.get_registered_model(registered.name).aliases or {}).items():
            aliases.setdefault(str(number), []).append(alias)
        versions = client.search_model_versions(f"name='{registered.name}'")
        for version in sorted(versions, key=lambda v: -int(v.version)):
            run = client.get_run(version.run_id)
            value = run.data.metrics.get(gate.metric) if gate else None
            rows.append({
                "model": registered.name, "version": str(version.version),
                "aliases": ", ".join(sorted(aliases.get(str(version.version), []))) or "-",
                "metric": gate.metric if gate else "-",
                "value": "-" if value is None else f"{value:.4g}",
                "backtest": run.data.tags.get("backtest", "-"), "run_id": version.run_id})
    return rows


def models(
    tracking_uri: Annotated[str | None, typer.Option(
        "--tracking-uri", help="MLflow tracking store. Default: MLFLOW_TRACKING_URI, else "
        "sqlite:///mlflow.db.", show_default=False)] = None,
) -> None:
    """List registered models: versions, aliases (champion, challenger) and backtest metric.

    A version is champion only when it beat the previous champion on the same backtest by
    the documented margin (docs/mlops.md); otherwise it is challenger.

    Example: channelwise models --tracking-uri sqlite:///mlflow.db
    """
    import mlflow
    from mlflow import MlflowClient

    from pipelines.tracking import tracking_uri as default_uri

    mlflow.set_tracking_uri(tracking_uri or default_uri())
    try:
        rows = version_rows(MlflowClient())
    except Exception as error:  # a store of any kind failing: one message, no traceback
        raise fail(f"cannot read the model registry: {first_line(error)}") from None
    if not rows:
        Console().print(Text("No registered models yet: run `dvc repro` first."))
        return
    table = Table(title="Registered models")
    for header in ("model", "version", "aliases", "metric", "value", "backtest", "run_id"):
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*(Text(row[key]) for key in row))
    Console().print(table)
