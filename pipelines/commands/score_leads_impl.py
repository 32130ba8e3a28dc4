"""The work behind ``channelwise score-leads``; imported only when the command runs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

from features.contract import read_table
from models.conversion.model import LeadConversionModel
from models.conversion.scoring import model_feature_names
from models.conversion.scoring import score_leads as score_frame
from models.conversion.serving import features_for_scoring, typed_leads
from models.conversion.store import load_conversion_model
from models.io import write_csv
from models.scale.cluster import ClusterError
from models.scale.leads import PART_ROWS, row_ranges, score_in_parts
from models.tabular import encode_frame
from pipelines.commands.errors import fail, first_line
from pipelines.inputs import read_channel_cltv

CHUNK_ROWS = PART_ROWS  # the same parts here and on a cluster
TEAM_FORM_PREFIX = "team_form_"


def run(leads: Path, out: Path, model_dir: Path, cltv: Path, scheduler: str | None = None,
        ) -> None:
    """Score ``leads`` into ``out``, here or on ``scheduler``; exit 1 with one message if bad."""
    console = Console(stderr=True)
    try:
        model = load_conversion_model(model_dir)
        features = read_lead_features(leads)
        check_model_inputs(model, features, leads)
        channel_cltv = read_channel_cltv(cltv)
        if scheduler is None:
            scores = score_here(model, features, channel_cltv, console)
        else:
            with console.status(f"Scoring {len(features):,} leads on the cluster"):
                scores = score_on_cluster(model, features, channel_cltv, scheduler)
        write_csv(out, scores, "%.6f")  # after the cluster's work: nothing written on failure
    except (OSError, ValueError, KeyError) as error:
        raise fail(first_line(error)) from None
    except ClusterError as error:
        raise fail(f"--scheduler {scheduler}: {error}") from None
    console.print(f"Scored {len(scores):,} leads -> {out}", highlight=False)


def score_here(model: LeadConversionModel, features: pd.DataFrame, cltv: pd.Series | None,
               console: Console) -> pd.DataFrame:
    """Score in chunks of :data:`CHUNK_ROWS` in this process, with a progress bar."""
    with Progress(TextColumn("Scoring {task.total:,} leads"), BarColumn(),
                  TaskProgressColumn(), console=console, transient=True,
                  disable=not console.is_terminal) as progress:
        task = progress.add_task("score", total=len(features))
        chunks = []
        for start, stop in row_ranges(len(features), CHUNK_ROWS):
            chunk = features.iloc[start:stop]
            chunks.append(score_chunk(model, chunk, cltv))
            progress.advance(task, len(chunk))
    return pd.concat(chunks, ignore_index=True)


def score_on_cluster(model: LeadConversionModel, features: pd.DataFrame,
                     cltv: pd.Series | None, scheduler: str) -> pd.DataFrame:
    """Score chunks of :data:`CHUNK_ROWS` as Dask tasks (``scheduler``: address or 'local')."""
    from pipelines.engine import engine_tasks, with_scheduler
    from pipelines.params.engine import parse_engine

    with engine_tasks(with_scheduler(parse_engine({}), scheduler, {})) as tasks:
        return score_in_parts(tasks, model, features, cltv, CHUNK_ROWS)



def read_lead_features(path: Path) -> pd.DataFrame:
    """Read a leads file, check it against the contract and build the lead features.

    Raises
    ------
    ValueError
        A `ContractError` naming the first broken rule, or a read error.
    """
    if not path.is_file():
        raise ValueError(f"{path}: file not found")
    return features_for_scoring(typed_leads(read_table(path)))


def check_model_inputs(model: LeadConversionModel, features: pd.DataFrame, path: Path) -> None:
    """Raise ValueError naming any column the model needs that is missing or mistyped."""
    columns = model_feature_names(model)
    missing = [column for column in columns if column not in features.columns]
    if any(column.startswith(TEAM_FORM_PREFIX) for column in missing):
        raise ValueError(
            f"{path.name}: the model uses the team form ({', '.join(missing)}), which needs "
            "the columns team and converted_at and the leads' history; pass the full leads "
            "export, at least its last 90 days, with the leads to score")
    if missing:
        raise ValueError(f"{path.name} lacks column(s) the model needs: {', '.join(missing)}")
    encode_frame(features[columns], model.schema_)  # raises on a value of the wrong type


def score_chunk(
    model: LeadConversionModel, features: pd.DataFrame, cltv: pd.Series | None
) -> pd.DataFrame:
    """Score one chunk; a column of the wrong type raises ValueError naming it."""
    return score_frame(model, features.reset_index(drop=True), cltv)
