"""``channelwise incentives``: what an incentive plan would pay each team, and for what value."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pipelines import outputs

if TYPE_CHECKING:
    import pandas as pd

    from models.incentives.plan import IncentivePlan, Scheme


def incentives(
    plan: Annotated[Path, typer.Option("--plan", help="Incentive plan YAML: base, variable, "
                                       "shares, floor, cap, tiers, scheme.", show_default=False)],
    out: Annotated[Path, typer.Option("--out", help="Directory for incentives.csv and the "
                                      "chart.")] = outputs.INCENTIVES.default.parent,
    scorecard: Annotated[Path, typer.Option(help="Team scorecard CSV: team, <kpi>, "
                                            "<kpi>_target.")] = outputs.TEAM_SCORECARD.default,
    weights: Annotated[Path, typer.Option(help="Suggested KPI weights, for scheme: "
                                          "suggested.")] = outputs.KPI_WEIGHTS.default,
    predictions: Annotated[Path, typer.Option(help="Customer CLTV, for the value each team "
                                              "created.")] = outputs.CUSTOMER_CLTV.default,
    prepared: Annotated[Path, typer.Option(help="Prepared tables (customers with team).")] = (
        outputs.PREPARED_CUSTOMERS.default.parent),
) -> None:
    """Preview what a plan pays each team: attainment, base, variable, tier bonus and total.

    Attainment is the scheme-weighted KPI value against target from the team scorecard;
    the variable pay follows it between the plan's floor and cap, and tiers pay a rate on
    the part of a KPI above a multiple of its target. With the pipeline's customer CLTV,
    each team's pay is set beside the lifetime value it created (a chart too).

    Writes incentives.csv (one row per team); nothing else is changed. Bad plan or scheme
    files: one message naming the file and the key, exit code 1.

    Example: channelwise incentives --plan docs/examples/incentive-plan.yaml
    """
    from models.figures import png_bytes
    from models.incentives.figures import pay_against_value_figure
    from models.incentives.payout import payout_table
    from models.incentives.plan import PlanError
    from models.io import write_bytes, write_csv
    from pipelines.commands.errors import fail, first_line

    try:
        parsed, scheme = read_plan(plan, weights)
        card = _read_csv(scorecard, "team scorecard", "kpi_weights")
        table = payout_table(card, scheme, parsed)
        value = team_value(prepared, predictions, card)
    except (PlanError, OSError, ValueError, KeyError) as err:
        raise fail(first_line(err)) from None
    if value is not None:
        table = table.merge(value, left_on="team", right_index=True, how="left")
    written = write_csv(out / outputs.INCENTIVES.name, table, float_format="%.2f")
    if value is not None and table["value_created"].notna().any():
        write_bytes(out / outputs.INCENTIVES_FIGURE.name,
                    png_bytes(pay_against_value_figure(table)))
    print_table(table, parsed, scheme)
    typer.echo(f"Wrote {written}")


def read_plan(path: Path, weights_path: Path) -> tuple[IncentivePlan, Scheme]:
    """Read and check the plan file and the scheme it names."""
    import yaml

    from features.kpis import KPI_NAMES
    from models.incentives.plan import (
        PlanError,
        parse_plan,
        parse_scheme,
        suggested_scheme,
        volume_scheme,
    )
    from models.kpi.scorecard import DEFAULT_DIRECTIONS
    from pipelines.commands.errors import first_line

    def load(file: Path) -> Any:
        try:
            return yaml.safe_load(file.read_text(encoding="utf-8"))
        except yaml.YAMLError as err:
            raise PlanError(f"{file}: not valid YAML ({first_line(err)})") from None

    plan = parse_plan(load(path), str(path), KPI_NAMES)
    if plan.scheme == "suggested":
        return plan, suggested_scheme(_read_csv(weights_path, "suggested KPI weights",
                                                "kpi_weights"))
    if plan.scheme == "volume":
        return plan, volume_scheme()
    scheme_path = (path.parent / plan.scheme) if not Path(plan.scheme).is_absolute() else Path(
        plan.scheme)
    return plan, parse_scheme(load(scheme_path), str(scheme_path), KPI_NAMES,
                              DEFAULT_DIRECTIONS)


def _read_csv(path: Path, what: str, stage: str) -> pd.DataFrame:
    import pandas as pd

    if not path.is_file():
        raise FileNotFoundError(f"{what} not found at {path}; run `dvc repro {stage}` first")
    return pd.read_csv(path, dtype={"team": "str", "kpi": "str"})


def team_value(prepared: Path, predictions: Path, card: pd.DataFrame) -> pd.Series | None:
    """Return the value each team created in the scorecard's month, or None without CLTV outputs."""
    import pandas as pd

    from models.incentives.value import value_created

    customers_path = prepared / outputs.PREPARED_CUSTOMERS.name
    if not (customers_path.is_file() and predictions.is_file() and "month" in card):
        return None
    customers = pd.read_parquet(customers_path)
    if "team" not in customers:
        return None
    month = pd.Timestamp(str(card["month"].max()))
    return value_created(customers.astype({"team": "str"}), pd.read_parquet(predictions), month)


def print_table(table: pd.DataFrame, plan: IncentivePlan, scheme: Scheme) -> None:
    """Lay out the payout per team as a Rich table."""
    from rich.console import Console
    from rich.table import Table

    out = Table(title=f"{plan.name}: scheme {scheme.name}")
    columns = ["team", "attainment", "variable", "tier_bonus", "total"]
    if "value_created" in table:
        columns.append("value_created")
    for column in columns:
        out.add_column(column, justify="left" if column == "team" else "right",
                       no_wrap=column == "team", overflow="fold")
    for row in table.to_dict("records"):
        out.add_row(str(row["team"]), f"{row['attainment']:.0%}",
                    *(f"{row[c]:,.0f}" for c in columns[2:]))
    Console().print(out)
