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
    staff_credit: Annotated[Path, typer.Option(help="Referral credit per staff member, for a "
                                               "plan with referral rates.")] = (
        outputs.STAFF_CREDIT.default),
) -> None:
    """Preview what a plan pays each team: attainment, base, variable, tier bonus and total.

    Attainment is the scheme-weighted KPI value against target from the team scorecard;
    the variable pay follows it between the plan's floor and cap, and tiers pay a rate on
    the part of a KPI above a multiple of its target. With the pipeline's customer CLTV,
    each team's pay is set beside the lifetime value it created (a chart too).

    A plan with ``referral: {direct_rate, support_rate}`` also pays every staff member who
    referred leads (all-staff marketing): a large rate of the value of the deals they brought
    and a basic one of the open pipeline they support.

    Writes incentives.csv (one row per team, then one per staff member); nothing else is
    changed. Bad plan or scheme files: one message naming the file and the key, exit code 1.

    Example: channelwise incentives --plan docs/examples/incentive-plan.yaml
    """
    import pandas as pd

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
        staff = staff_rows(staff_credit, parsed)
    except (PlanError, OSError, ValueError, KeyError) as err:
        raise fail(first_line(err)) from None
    if value is not None:
        table = table.merge(value, left_on="team", right_index=True, how="left")
    rows = pd.concat([table.rename(columns={"team": "name"}).assign(level="team"), staff],
                     ignore_index=True)
    rows = rows.loc[:, ["level", "name", *(c for c in rows.columns if c not in {"level", "name"})]]
    written = write_csv(out / outputs.INCENTIVES.name, rows, float_format="%.2f")
    if value is not None and table["value_created"].notna().any():
        write_bytes(out / outputs.INCENTIVES_FIGURE.name,
                    png_bytes(pay_against_value_figure(table)))
    print_table(table, parsed, scheme)
    if not staff.empty:
        typer.echo(f"Referral rewards for {len(staff)} staff members "
                   f"({staff['total'].sum():,.0f} in all).")
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

    from pipelines.inputs import required

    return pd.read_csv(required(path, what, stage),
                       dtype={"team": "str", "kpi": "str", "staff_id": "str"})


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


def staff_rows(path: Path, plan: IncentivePlan) -> pd.DataFrame:
    """Return one row per staff member paid for referrals, or none without rates or credit."""
    import pandas as pd

    from models.incentives.credit import referral_rewards

    if plan.referral_rates is None:
        return pd.DataFrame()
    credit = _read_csv(path, "staff credit", "score_leads")
    rewards = referral_rewards(credit, *plan.referral_rates)
    return rewards.rename(columns={"staff_id": "name", "reward": "referral_reward"}).assign(
        level="staff", total=rewards["reward"])


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
