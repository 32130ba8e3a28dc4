"""``channelwise allocate``: what-if budget plans on the fitted curves, without retraining."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from pipelines import outputs

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_OUT = outputs.WHATIF_ALLOCATION.default


def parse_amounts(items: list[str], flag: str, weeks: int) -> dict[str, float]:
    """Parse ``CHANNEL=AMOUNT`` items (amounts for the period) into weekly amounts."""
    out: dict[str, float] = {}
    for item in items:
        name, sep, amount = item.partition("=")
        try:
            value = float(amount.replace(",", "").replace("_", ""))
        except ValueError:
            value = float("nan")
        if not sep or not name.strip() or not value >= 0:
            raise typer.BadParameter(
                f"{item!r}: expected CHANNEL=AMOUNT with AMOUNT >= 0", param_hint=flag
            )
        out[name.strip()] = value / weeks
    return out


def allocate(
    budget: Annotated[float, typer.Option(help="Budget for the whole period (currency units).")],
    weeks: Annotated[int, typer.Option(min=1, help="Weeks the budget covers.")] = 13,
    minimum: Annotated[
        list[str] | None,
        typer.Option(
            "--min", help="CHANNEL=AMOUNT: spend at least AMOUNT over the period (repeatable)."
        ),
    ] = None,
    maximum: Annotated[
        list[str] | None,
        typer.Option(
            "--max", help="CHANNEL=AMOUNT: spend at most AMOUNT over the period (repeatable)."
        ),
    ] = None,
    lock: Annotated[
        list[str] | None,
        typer.Option(help="CHANNEL: keep at its current weekly spend (repeatable)."),
    ] = None,
    max_change: Annotated[
        float | None,
        typer.Option(min=0, help="Largest change per channel vs current, in percent (e.g. 25)."),
    ] = None,
    out: Annotated[Path, typer.Option(help="CSV to write (weekly figures).")] = DEFAULT_OUT,
    params: Annotated[Path, typer.Option(help="params.yaml that locates the artefacts.")] = Path(
        "params.yaml"
    ),
) -> None:
    """Recommend the weekly split of a budget that maximises customer lifetime value.

    Reads the fitted response curves, channel CLTV and P(convert); retrains nothing.

    Example: channelwise allocate --budget 750000 --weeks 13 --min events=50000 --lock display
    """
    from models.allocation.optimizer import InfeasibleAllocationError
    from models.allocation.plan import Constraints
    from models.allocation.planning import make_plan
    from models.io import write_csv
    from pipelines.commands.errors import fail, first_line
    from pipelines.inputs import MissingArtefactError
    from pipelines.inputs.planning import load_planning_inputs
    from pipelines.params import ParamsError, load_params

    console = Console()
    try:
        constraints = Constraints(
            minimum=parse_amounts(minimum or [], "--min", weeks),
            maximum=parse_amounts(maximum or [], "--max", weeks),
            locked=frozenset(lock or []),
            max_change=None if max_change is None else max_change / 100.0,
        )
        loaded = load_params(params)
        inputs = load_planning_inputs(loaded.paths, loaded.seed)
        plan = make_plan(inputs, budget / weeks, constraints)
    except (
        InfeasibleAllocationError,
        MissingArtefactError,
        ParamsError,
        ValueError,
        OSError,
    ) as err:
        raise fail(first_line(err)) from None
    write_csv(out, plan.table, float_format="%.10g")
    console.print(plan_summary(plan.table, weeks))
    uplift = plan.result.value - plan.current_value
    console.print(
        f"Expected value {plan.result.value * weeks:,.0f} over {weeks} weeks "
        f"({uplift * weeks:+,.0f} vs keeping the current mix); "
        f"P(plan beats current mix) = {plan.p_beats_current:.0%}; "
        f"optimality gap ≤ {plan.result.gap:.3%}.  Wrote {out}"
    )


def plan_summary(frame: pd.DataFrame, weeks: int) -> Table:
    """Lay out current vs recommended weekly spend, value and binding constraint as a table."""
    import pandas as pd

    out = Table(title="Weekly plan (current → recommended)")
    for name in (
        "channel",
        "current",
        "recommended",
        "change",
        "expected value",
        "p10–p90",
        "marginal ROI",
        "binding",
    ):
        out.add_column(name, justify="left" if name in {"channel", "binding"} else "right")
    for row in frame.to_dict("records"):
        change = "" if pd.isna(row["change_pct"]) else f"{float(row['change_pct']):+.0f}%"
        low, high = float(row["expected_value_p10"]), float(row["expected_value_p90"])
        out.add_row(
            str(row["channel"]),
            f"{float(row['current_weekly_spend']):,.0f}",
            f"{float(row['recommended_weekly_spend']):,.0f}",
            change,
            f"{float(row['expected_value']):,.0f}",
            f"{low:,.0f}–{high:,.0f}",
            f"{float(row['marginal_roi']):.2f}",
            str(row["binding"]),
        )
    total = frame["expected_value"].sum()
    out.add_row(
        "total",
        f"{frame['current_weekly_spend'].sum():,.0f}",
        f"{frame['recommended_weekly_spend'].sum():,.0f}",
        "",
        f"{total:,.0f}",
        "",
        "",
        "",
        end_section=True,
    )
    out.caption = f"weekly figures; multiply by {weeks} for the period"
    return out
