"""``channelwise monitor``: KPI alerts with their drivers and value at risk, for cron and CI."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from pipelines.commands.errors import fail, first_line
from pipelines.outputs import DEFAULT_FOLDERS

if TYPE_CHECKING:
    from features.contract import Dataset

ALERT_EXIT = 3


def _load(directory: Path) -> Dataset:
    """Validate DIR like ``validate``: a violations table and exit 1 on a broken contract."""
    from features.contract import ContractError, load_dataset  # pandera: loaded on use only
    from pipelines.commands.validate import violations_table

    try:
        return load_dataset(directory)
    except ContractError as error:
        Console(stderr=True).print(violations_table(error.violations))
        raise fail(f"{directory}: {len(error.violations)} data contract violation(s)") from None
    except (OSError, ValueError) as error:
        raise fail(f"cannot read {directory}: {first_line(error)}") from None


def alerts_table(alerts: pd.DataFrame) -> Table:
    """Lay out the alerts as a Rich table, most severe first."""
    table = Table(title="KPI alerts")
    for header in ("kpi", "segment", "weeks", "observed", "expected", "dir", "severity",
                   "value at risk", "drivers"):
        table.add_column(header, overflow="fold")
    for row in alerts.itertuples():
        table.add_row(Text(str(row.kpi)), Text(f"{row.segment_type}={row.segment}"),
                      Text(f"{row.first_week}..{row.last_week}"), f"{row.observed:.4g}",
                      f"{row.expected:.4g}", str(row.direction), f"{row.severity:.2f}",
                      f"{row.value_at_risk:,.0f}", Text(str(row.drivers)))
    return table


def monitor(
    data: Annotated[Path, typer.Option("--data", help="Input directory (validated with the data "
                                       "contract).", show_default=False)],
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Compute as of this date (YYYY-MM-DD); later rows are ignored. "
        "Default: the end of the data.", show_default=False)] = None,
    weeks: Annotated[int, typer.Option("--weeks", min=1, help="Report the alerts active in "
                                       "the last N weeks.")] = 13,
    out: Annotated[Path, typer.Option("--out", help="Directory for alerts.csv and "
                                      "kpi_series.csv.")] = Path(DEFAULT_FOLDERS["reports"]),
    notify: Annotated[str | None, typer.Option(
        "--notify", help="Webhook URL: POST a JSON summary (Slack-compatible text + alert "
        "rows); a failure is reported and the files are kept.", show_default=False)] = None,
    notify_timeout: Annotated[float, typer.Option(
        "--notify-timeout", min=0.1, help="Seconds to wait for the webhook per attempt "
        "(3 attempts).")] = 10.0,
    fail_on_alert: Annotated[bool, typer.Option(
        "--fail-on-alert", help=f"Exit with code {ALERT_EXIT} when there are alerts.")] = False,
    predictions: Annotated[Path, typer.Option(
        "--predictions", help="Folder with channel_cltv.csv and channel_conversion.csv (used "
        "when present to price alerts).")] = Path(DEFAULT_FOLDERS["predictions"]),
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="Run on a Dask cluster: its scheduler (tcp://HOST:8786), or 'local' "
        "for a LocalCluster here. Default: this process, without Dask.",
        show_default=False)] = None,
) -> None:
    """Watch the KPIs: alerts on churn, conversion cycle, conversion rate and more.

    Each KPI x segment (total, channel, team, lead attribute) gets a weekly series and an
    expected band from its own history; a CUSUM raises one alert per change. Each alert
    names the segments that drive it and the lifetime value at stake.

    Exit code 0, or 3 with --fail-on-alert when alerts exist; bad input exits 1.

    In cron (Mondays 07:00), add --fail-on-alert and --notify URL.

    With --scheduler, the KPI series (by KPI family) and the alerts' drill-downs run as
    tasks on the cluster; the files are the same.

    Example: channelwise monitor --data data/simulated --weeks 13 --fail-on-alert
    On a cluster: add --scheduler tcp://10.0.0.5:8786 (docs/scale-out.md).
    """
    from features.contract import data_end
    from models.io import write_csv
    from models.monitoring.monitor import MonitorConfig, alert_table, run_monitor, series_table
    from models.scale.cluster import ClusterError
    from pipelines.commands.notify import post_json, webhook_payload
    from pipelines.engine import engine_tasks, with_scheduler
    from pipelines.inputs.monitor import channel_values
    from pipelines.params.engine import parse_engine

    try:
        cut = pd.Timestamp(as_of) if as_of is not None else None
    except ValueError:
        raise fail(f"--as-of {as_of!r}: not a date, use YYYY-MM-DD") from None
    if notify is not None and not notify.startswith(("http://", "https://")):
        raise fail(f"--notify {notify!r}: must be an http:// or https:// URL") from None
    dataset = _load(data)
    when = cut if cut is not None else data_end(dataset)
    config = MonitorConfig(report_weeks=weeks)
    console = Console(stderr=True)
    engine = with_scheduler(parse_engine({}), scheduler, {})
    try:
        with console.status("Monitoring...") as status, engine_tasks(engine) as tasks:
            values = channel_values(dataset, when, config.windows.horizon_days,
                                    predictions / "channel_cltv.csv",
                                    predictions / "channel_conversion.csv")
            result = run_monitor(dataset, when, config, values, status.update, tasks)
    except ClusterError as error:  # nothing is written: the files come after the cluster
        raise fail(f"--scheduler {scheduler}: {error}") from None
    alerts = alert_table(result.alerts)
    write_csv(out / "alerts.csv", alerts)
    write_csv(out / "kpi_series.csv", series_table(result.bands))
    Console().print(alerts_table(alerts))
    console.print(f"{len(alerts)} alert(s) as of {when.date()}. Wrote {out}/alerts.csv and "
                  f"{out}/kpi_series.csv", soft_wrap=True)
    if notify:
        problem = post_json(notify, webhook_payload(alerts, when, weeks), notify_timeout)
        if problem:
            console.print(Text.assemble(("warning: ", "yellow"), f"webhook {notify}: {problem}; "
                                        f"{out}/alerts.csv is written."), soft_wrap=True)
    if fail_on_alert and len(alerts):
        raise typer.Exit(code=ALERT_EXIT)
