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
) -> None:
    """Simulate a marketing world: customers, orders, spend, leads and truth.json.

    Example: channelwise simulate --out data/simulated --seed 42 --scale small
    """
    from models.simulation.export import write_world
    from pipelines.commands.errors import fail

    if fmt not in {"csv", "parquet"}:
        raise fail(f"--format must be csv or parquet, not {fmt!r}")
    with console.status(f"Simulating the {scale.value} world (seed {seed})..."):
        sizes = write_world(out, seed, scale, fmt, vary=vary, referrals=referrals)
    for table, rows in sizes.items():
        console.print(f"  {table:<10} {rows:>12,} rows")
    console.print(f"Wrote {out}/ (tables + truth.json)")
