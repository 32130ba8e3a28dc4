"""``channelwise validate``: check an input directory against the data contract."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from features.contract_errors import ContractError, Violation, format_example
from pipelines.commands.errors import fail, first_line

if TYPE_CHECKING:
    from features.contract import Dataset

EXAMPLES_SHOWN = 3


def validate(
    source: Annotated[
        str,
        typer.Argument(
            help="Directory with customers, orders, spend and optional leads tables, "
            "each as <table>.csv or <table>.parquet; or a PostgreSQL URL "
            "postgresql://USER@HOST:PORT/DB?schema=SCHEMA (password from PGPASSWORD or .env).",
            show_default=False,
        ),
    ],
) -> None:
    """Check input tables against the data contract and summarise them.

    On problems: a table of table, column, rule, rows and examples; exit code 1.
    Otherwise: rows, date range and channels per table; exit code 0.
    Nothing is written. A PostgreSQL source gets the same checks and messages.

    Example: channelwise validate data/simulated

    Example: PGPASSWORD=... channelwise validate "postgresql://analyst@db:5432/crm?schema=sales"
    """
    # pandera and the driver are slow to import: load them only here
    from pipelines.credentials import load_source, source_name, source_of

    console = Console()
    shown = source if "://" not in source else "the PostgreSQL URL"
    try:
        where = source_of(source)
        shown = source_name(where)
        dataset = load_source(where)
    except ContractError as error:
        console.print(violations_table(error.violations))
        raise fail(f"{shown}: {len(error.violations)} data contract violation(s).") from None
    except (OSError, ValueError) as error:
        raise fail(f"cannot validate {shown}: {first_line(error)}") from None
    console.print(summary_table(dataset))
    console.print(Text(f"paid channels: {', '.join(dataset.paid_channels) or '-'}"))
    console.print(Text(f"unpaid channels: {', '.join(dataset.unpaid_channels) or '-'}"))
    console.print(Text(f"{shown}: the data contract holds.", "bold green"))


def violations_table(violations: list[Violation]) -> Table:
    """Lay out violations as a Rich table, one row per violation.

    Parameters
    ----------
    violations : list of Violation
        Broken rules, in report order.

    Returns
    -------
    rich.table.Table
        Columns table, column, rule, rows and examples (at most three per violation).
    """
    table = Table(title="Data contract violations", show_lines=True)
    # Table and column names keep their width on a narrow terminal; rules and examples wrap.
    table.add_column("table", no_wrap=True, overflow="fold")
    table.add_column("column", no_wrap=True, overflow="fold")
    table.add_column("rule", overflow="fold")
    table.add_column("rows", justify="right")
    table.add_column("examples", overflow="fold")
    for violation in violations:
        examples = "\n".join(format_example(ex) for ex in violation.examples[:EXAMPLES_SHOWN])
        table.add_row(
            Text(violation.table),
            Text(violation.column),
            Text(violation.rule),
            Text(str(violation.count) if violation.count else "-"),
            Text(examples),
        )
    return table


def summary_table(dataset: Dataset) -> Table:
    """Lay out rows and date range per table as a Rich table.

    Parameters
    ----------
    dataset : Dataset
        Validated tables.

    Returns
    -------
    rich.table.Table
        Columns table, rows, date column, first and last (dates).
    """
    from features.contract import describe_dataset

    summary = describe_dataset(dataset)
    table = Table(title="Input tables")
    for header in ("table", "rows", "date column", "first", "last"):
        table.add_column(header, justify="right" if header == "rows" else "left", overflow="fold")
    for row in summary.itertuples(index=False):
        table.add_row(
            str(row.table),
            str(row.rows),
            str(row.date_column or "-"),
            _format_time(row.first),
            _format_time(row.last),
        )
    return table


def _format_time(value: object) -> str:
    if not isinstance(value, pd.Timestamp) or pd.isna(value):
        return "-"
    return value.strftime("%Y-%m-%d")
