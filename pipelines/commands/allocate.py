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

    from models.allocation.planning import Plan

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
    budget: Annotated[
        float | None, typer.Option(help="Budget for the whole period (currency units).")
    ] = None,
    target_value: Annotated[
        float | None,
        typer.Option(min=0, help="Instead of --budget: plan the smallest budget whose plan is "
                     "expected to reach this value over the period."),
    ] = None,
    target_roi: Annotated[
        float | None,
        typer.Option(min=0, help="Instead of --budget: plan the budget where the marginal "
                     "return (value per extra currency unit) falls to this, e.g. 1.0."),
    ] = None,
    risk_aversion: Annotated[
        float,
        typer.Option(min=0, help="Maximise expected value minus this many standard "
                     "deviations of it across the bootstrap draws (0: expected value)."),
    ] = 0.0,
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

    Example: channelwise allocate --target-value 1900000 --weeks 13 --risk-aversion 1
    """
    from models.allocation.optimizer import InfeasibleAllocationError
    from models.allocation.plan import Constraints
    from models.allocation.planning import make_plan, target_budgets
    from models.io import write_csv
    from pipelines.commands.errors import fail, first_line
    from pipelines.inputs import MissingArtefactError
    from pipelines.inputs.planning import load_planning_inputs
    from pipelines.params import ParamsError, load_params

    console = Console()
    if (budget is None) == (target_value is None and target_roi is None):
        raise fail("give --budget, or a target (--target-value and/or --target-roi), not both")
    try:
        constraints = Constraints(
            minimum=parse_amounts(minimum or [], "--min", weeks),
            maximum=parse_amounts(maximum or [], "--max", weeks),
            locked=frozenset(lock or []),
            max_change=None if max_change is None else max_change / 100.0,
        )
        loaded = load_params(params)
        inputs = load_planning_inputs(loaded.paths, loaded.seed)
        targets = target_budgets(inputs, constraints,
                                 None if target_value is None else target_value / weeks,
                                 target_roi)
        weekly = next(iter(targets.values())) if targets else float(budget or 0.0) / weeks
        plan = make_plan(inputs, weekly, constraints, risk_aversion=risk_aversion)
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
    for line in target_lines(targets, weeks) + risk_lines(plan, weeks):
        console.print(line)


def target_lines(targets: dict[str, float], weeks: int) -> list[str]:
    """Say which budget each target gave, for the whole period."""
    words = {"target_value": "reaches the target value", "target_roi": "has the target ROI "
             "as its marginal return"}
    return [f"Budget {budget * weeks:,.0f} ({budget:,.0f} a week): the plan {words[name]}."
            for name, budget in targets.items()]


def risk_lines(plan: Plan, weeks: int) -> list[str]:
    """Compare the risk-averse and the risk-neutral plan's value over the period."""
    if plan.risk is None:
        return []
    rows = [(f"risk-averse plan (λ={plan.risk.risk_aversion:g})", plan.risk.plan),
            ("expected-value plan (λ=0)", plan.risk.neutral)]
    return [f"{name}: expected {v.expected * weeks:,.0f}, p10 {v.p10 * weeks:,.0f}, "
            f"p50 {v.p50 * weeks:,.0f}, p90 {v.p90 * weeks:,.0f}" for name, v in rows]


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
