"""``channelwise audit-scheme``: whether a KPI scheme rewards the teams that create value."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pipelines import outputs

if TYPE_CHECKING:
    import pandas as pd

    from features.contract import Dataset
    from models.incentives.plan import Scheme
    from pipelines.params.kpi_weights import KpiWeightsParams


def audit_scheme(
    scheme: Annotated[list[Path], typer.Option(
        "--scheme", help="Scheme YAML (name, weights, optional directions); repeat for more.",
        show_default=False)],
    data: Annotated[Path | None, typer.Option(
        "--data", help="Audit another export (a directory of the input tables) instead of "
        "the project's prepared tables.", show_default=False)] = None,
    out: Annotated[Path, typer.Option("--out", help="Directory for scheme_audit.csv.")] = (
        outputs.SCHEME_AUDIT.default.parent),
    params: Annotated[Path, typer.Option(help="params.yaml: KPI windows, phase, weight "
                                         "model.")] = Path("params.yaml"),
) -> None:
    """Audit KPI schemes against the value teams go on to create, beside two references.

    Each scheme scores every team-month; the audit compares the score with the value the
    team creates in the next quarter, on the latest third of the months. The suggested
    scheme is learned (as stage kpi_weights learns it) on the earlier months only, so every
    figure is out of sample; the volume-only scheme weighs leads and new customers equally.

    Columns: rank_correlation (across the teams of each month, averaged over the months;
    with a team-bootstrap interval), top_value_share (share of
    rewards reaching the top half by value), gaming_gain (score points bought by inflating
    leads and activity 20%). Bad scheme files: one message naming the file and key, exit 1.

    Example: channelwise audit-scheme --scheme docs/examples/scheme-volume.yaml
    """
    from models.incentives.audit import AuditSettings, audit_table, split_months
    from models.incentives.plan import PlanError, volume_scheme
    from models.io import write_csv
    from pipelines.commands.errors import fail, first_line
    from pipelines.params import ParamsError, load_params
    from pipelines.params.kpi_weights import parse_kpi_weights

    try:
        loaded = load_params(params)
        cfg = parse_kpi_weights(loaded.section("kpi_weights"), loaded.seed)
        schemes = [read_scheme(path) for path in scheme]
        rows = audit_rows(*read_data(data, loaded.paths), cfg)
        train, test = split_months(rows)
        schemes += [learned_scheme(train, cfg), volume_scheme()]
        table = audit_table(test, schemes, AuditSettings(random_state=loaded.seed))
    except (PlanError, ParamsError, OSError, ValueError, KeyError) as err:
        raise fail(first_line(err)) from None
    written = write_csv(out / outputs.SCHEME_AUDIT.name, table, float_format="%.4f")
    print_audit(table, test)
    typer.echo(f"Wrote {written}")


def read_scheme(path: Path) -> Scheme:
    """Read and check one scheme file."""
    import yaml

    from features.kpis import KPI_NAMES
    from models.incentives.plan import PlanError, parse_scheme
    from models.kpi.scorecard import DEFAULT_DIRECTIONS
    from pipelines.commands.errors import first_line

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise PlanError(f"{path}: not valid YAML ({first_line(err)})") from None
    return parse_scheme(raw, str(path), KPI_NAMES, DEFAULT_DIRECTIONS)


def read_data(directory: Path | None, paths: object) -> tuple[Dataset, pd.DataFrame | None]:
    """Return the tables to audit and, in a project, the CLTV model's customer predictions."""
    import pandas as pd

    from features.contract import ContractError, load_dataset
    from pipelines.inputs import read_prepared

    if directory is not None:
        try:
            return load_dataset(directory), None
        except ContractError as err:
            raise ValueError(f"{directory} breaks the data contract: {err.violations[0]}"
                             ) from None
    prepared = outputs.PREPARED_CUSTOMERS.path(paths).parent
    if not prepared.is_dir():
        raise FileNotFoundError(f"no prepared tables at {prepared}; run `dvc repro prepare` "
                                "or pass --data DIR")
    cltv = outputs.CUSTOMER_CLTV.path(paths)
    return read_prepared(prepared), pd.read_parquet(cltv) if cltv.is_file() else None


def audit_rows(data: Dataset, predictions: pd.DataFrame | None,
               cfg: KpiWeightsParams) -> pd.DataFrame:
    """Team-months with their KPIs and, as ``outcome``, the phase's next-quarter value."""
    from features.contract import data_end, value_column
    from features.kpis import build_kpi_panel
    from models.kpi.outcome import build_outcome
    from models.kpi.phases import PHASE_OUTCOMES

    end = data_end(data)
    panel = build_kpi_panel(data, end, cfg.windows)
    outcome = build_outcome(data, end, predictions, value_column(data.orders), cfg.horizon_days,
                            cfg.horizon_months)
    rows = panel.merge(outcome, on=["team", "month"], validate="one_to_one")
    return rows.assign(outcome=rows[PHASE_OUTCOMES[cfg.phase].column])


def learned_scheme(train: pd.DataFrame, cfg: KpiWeightsParams) -> Scheme:
    """Return the suggested scheme, learned on the earlier months only (as kpi_weights does)."""
    from dataclasses import replace

    from features.kpis import KPI_NAMES
    from models.incentives.plan import suggested_scheme
    from models.kpi.phases import fit_phase

    kpis = [name for name in KPI_NAMES if name in train.columns]
    model = fit_phase(train, kpis, cfg.phase, {"booster": cfg.booster, **cfg.model})
    return replace(suggested_scheme(model.weight_table()), name=f"suggested ({cfg.phase.value})")


def print_audit(table: pd.DataFrame, test: pd.DataFrame) -> None:
    """Lay out the audit as a Rich table, then one line of verdict per scheme."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from models.incentives.audit import best_scheme, verdict

    out = Table(title=f"Scheme audit on {test['month'].nunique()} held-out months, "
                      f"{test['team'].nunique()} teams")
    for column in ("scheme", "rank correlation (90% CI)", "top-value share", "gaming gain"):
        out.add_column(column, overflow="fold", justify="left" if column == "scheme" else "right")
    for _, row in table.iterrows():
        out.add_row(Text(str(row["scheme"])), f"{row['rank_correlation']:.2f} "
                    f"({row['rank_correlation_low']:.2f} to {row['rank_correlation_high']:.2f})",
                    f"{row['top_value_share']:.0%}", f"{row['gaming_gain']:.1f}")
    console = Console()
    console.print(out)
    best = best_scheme(table)
    for _, row in table.iterrows():
        console.print(Text(f"{row['scheme']}: {verdict(row, best)}"))
