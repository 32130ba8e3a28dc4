"""``channelwise score-leads``: P(convert), expected value and reasons for a leads file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pipelines import outputs


def score_leads(
    leads: Annotated[Path, typer.Option("--leads", help="Leads table (.csv or .parquet) with "
                                        "lead_id, created_at, channel and the model's columns.",
                                        show_default=False)],
    out: Annotated[Path, typer.Option("--out", help="CSV to write.", show_default=False)],
    model_dir: Annotated[Path, typer.Option(
        "--model-dir", help="Directory of the trained model (stage train_conversion).")] = (
        outputs.CONVERSION_MODEL_DIR.default),
    cltv: Annotated[Path, typer.Option(
        "--cltv", help="Channel CLTV CSV (channel, cltv_mean) for expected_value; "
        "ignored when absent.")] = outputs.CHANNEL_CLTV.default,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="Run on a Dask cluster: its scheduler (tcp://HOST:8786), or 'local' "
        "for a LocalCluster here. Default: this process, without Dask.",
        show_default=False)] = None,
) -> None:
    """Score leads: P(convert), expected value and the three main reasons per lead.

    Columns: lead_id, p_convert, expected_value, reason_1, reason_2, reason_3.

    expected_value is p_convert x the CLTV of the lead's channel (empty without --cltv).

    A reason reads feature=value (+0.12): its contribution to the log-odds.

    Every lead in the file is scored. Each lead's team form (team_form_30d, team_form_90d)
    comes from the other leads' conversions before it was created, so pass the leads
    export with its history (team and converted_at), not the new leads alone.

    Bad input (a missing column, a value of the wrong type): one message, exit code 1.

    With --scheduler, the features are built here (the team form needs every lead), then
    the leads are scored in parts of 20,000 on the cluster; the scores are the same.

    Example: channelwise score-leads --leads data/simulated/leads.csv --out scores.csv
    On a cluster: add --scheduler tcp://10.0.0.5:8786 (docs/scale-out.md).
    """
    from pipelines.commands.score_leads_impl import run  # heavy: LightGBM, pandera

    run(leads, out, model_dir, cltv, scheduler)
