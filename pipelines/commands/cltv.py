"""``channelwise cltv``: customer lifetime value from your own transaction log."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console

from features.transaction_log import (
    LogError,
    as_of_after,
    customers_from_orders,
    parse_customer_log,
    parse_order_log,
)
from models.io import write_csv, write_parquet
from pipelines.commands.errors import fail, first_line

OUTPUT_COLUMNS = ["customer_id", "predicted_value", "predicted_p10", "predicted_p90", "p_alive"]
OUT_SUFFIXES = (".csv", ".parquet")


def _read(path: Path) -> pd.DataFrame:
    from features.contract import read_table  # pandera underneath: loaded on use only

    try:
        return read_table(path)
    except (OSError, ValueError) as error:
        raise fail(f"{path}: cannot be read: {first_line(error)}") from None


def _inputs(
    orders_path: Path, customers_path: Path | None, cutoff: pd.Timestamp
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read and check the orders (and customers) file; exit 1 with one message if bad."""
    try:
        orders = parse_order_log(_read(orders_path), orders_path.name, cutoff)
        if customers_path is None:
            return customers_from_orders(orders), orders
        customers = parse_customer_log(_read(customers_path), customers_path.name, orders, cutoff)
    except LogError as error:
        raise fail(str(error)) from None
    return customers, orders


def cltv(
    orders: Annotated[Path, typer.Option(
        "--orders", help="Transaction log, .csv or .parquet: customer_id, ordered_at, revenue; "
        "order_id and margin optional.", show_default=False)],
    cutoff: Annotated[str, typer.Option(
        "--cutoff", help="Last day of data to use (YYYY-MM-DD); later rows are ignored.",
        show_default=False)],
    out: Annotated[Path, typer.Option(
        "--out", help="Output file, .csv or .parquet.", show_default=False)],
    customers: Annotated[Path | None, typer.Option(
        "--customers", help="Optional customers file: customer_id; acquired_at, "
        "acquisition_channel and attribute columns optional.")] = None,
    horizon_days: Annotated[int, typer.Option(
        "--horizon-days", min=7, help="Predict value over the N days after the cutoff.")] = 365,
    step_days: Annotated[int, typer.Option(
        "--step-days", min=1, help="Spacing of the earlier cutoffs it trains on.")] = 30,
    seed: Annotated[int, typer.Option(
        "--seed", help="Random seed; the same inputs give the same output.")] = 0,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="Run on a Dask cluster: its scheduler (tcp://HOST:8786), or 'local' "
        "for a LocalCluster here. Default: this process, without Dask.",
        show_default=False)] = None,
) -> None:
    """Predict each customer's value over the next N days, with p10/p90 and P(alive).

    It trains on your own log: features as of earlier cutoffs, value in the window after each.
    No pre-trained model is needed. Only rows on or before --cutoff are read.
    Output columns: customer_id, predicted_value, predicted_p10, predicted_p90, p_alive (BG/NBD).

    Example: channelwise cltv --orders orders.csv --cutoff 2024-06-30 --out cltv.csv
    On a cluster: add --scheduler tcp://10.0.0.5:8786 (docs/scale-out.md).
    """
    if out.suffix.lower() not in OUT_SUFFIXES:
        raise fail(f"--out {out}: must end in .csv or .parquet")
    try:
        day = pd.Timestamp(cutoff)
    except ValueError:
        raise fail(f"--cutoff {cutoff!r}: not a date, use YYYY-MM-DD") from None
    from features.contract import value_column
    from models.cltv.model import CLTVConfig  # LightGBM: loaded on use only
    from models.scale.cluster import ClusterError
    from pipelines.engine import cltv_models, with_scheduler
    from pipelines.params.engine import parse_engine

    console = Console(stderr=True)
    with console.status(f"Reading {orders.name}..."):
        people, log = _inputs(orders, customers, day)
    config = CLTVConfig(horizon_days=horizon_days, step_days=step_days, min_history_days=60,
                        value_col=value_column(log), random_state=seed)
    as_of = as_of_after(day)
    engine = with_scheduler(parse_engine({}), scheduler, {})
    try:
        with console.status("Training...") as status, cltv_models(engine) as make:
            model = make(config).fit(people, log, as_of, progress=status.update)
            status.update(f"Scoring {len(people):,} customers as of {day.date()}")
            scored = model.predict(people, log, as_of)[OUTPUT_COLUMNS]
    except ValueError as error:
        raise fail(f"{orders.name}: column 'ordered_at': {error}") from None
    except ClusterError as error:  # nothing is written: the output comes after the cluster
        raise fail(f"--scheduler {scheduler}: {error}") from None
    (write_parquet if out.suffix.lower() == ".parquet" else write_csv)(out, scored)
    console.print(f"{len(scored):,} customers, predicted {config.value_col} over {horizon_days} "
                  f"days: {scored['predicted_value'].sum():,.2f} in total. Wrote {out}")
