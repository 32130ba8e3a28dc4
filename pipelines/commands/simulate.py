"""``channelwise simulate``: write a simulated world with known truth."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from models.simulation.world import Scale
from pipelines.outputs import DEFAULT_FOLDERS

console = Console()


def simulate(
    out: Annotated[Path, typer.Option("--out", help="Directory to write.")] = Path(
        DEFAULT_FOLDERS["simulated"]),
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same files.")] = 42,
    scale: Annotated[Scale, typer.Option(help="small ~5k leads, default ~100k, large 1M+.")] = (
        Scale.DEFAULT),
    fmt: Annotated[str, typer.Option("--format", help="Table format: csv or parquet.")] = "csv",
    vary: Annotated[bool, typer.Option(
        help="Draw a seed-specific variant world: curve shapes, seasonality, economics.")] = False,
    referrals: Annotated[bool, typer.Option(
        help="Named staff refer half the organic leads: a staff table and leads.referred_by, "
        "with each member's true value in truth.json.")] = False,
    drift: Annotated[list[str] | None, typer.Option(
        "--drift", help="Inject a KPI change, KIND:SEGMENT:WEEK:SIZE (repeatable): "
        "churn:<channel>:120:2 doubles the lapsing hazard from week 120, cycle:<team>:120:1.5 "
        "slows a team by half, closing:<team>:120:1.5 slows only its last stage (SQL to "
        "won), conversion:<channel>:120:0.5 halves a channel's conversions. "
        "Recorded in truth.json.", show_default=False)] = None,
    kpi_world: Annotated[int | None, typer.Option(
        help="Truth seed of a varied KPI world (6-40 teams, conversion- or retention-driven "
        "value, a drifting vanity KPI); truth.json says which KPIs drive value.",
        show_default=False)] = None,
) -> None:
    """Simulate a marketing world: customers, orders, spend, leads and truth.json.

    Example: channelwise simulate --out data/simulated --seed 42 --scale small
    """
    from models.simulation.drift import parse_drift
    from models.simulation.export import write_world
    from pipelines.commands.errors import fail

    if fmt not in {"csv", "parquet"}:
        raise fail(f"--format must be csv or parquet, not {fmt!r}")
    try:
        drifts = tuple(parse_drift(text) for text in drift or [])
    except ValueError as error:
        raise fail(f"--drift: {error}") from None
    with console.status(f"Simulating the {scale.value} world (seed {seed})..."):
        try:
            sizes = write_world(out, seed, scale, fmt, vary=vary, referrals=referrals,
                                drifts=drifts, kpi_world=kpi_world)
        except ValueError as error:  # an unknown channel or team
            raise fail(str(error)) from None
    for table, rows in sizes.items():
        console.print(f"  {table:<10} {rows:>12,} rows")
    console.print(f"Wrote {out}/ (tables + truth.json)")
