"""Lead scoring in parts: row ranges of the features, each scored by the single-machine kernel.

The model travels as LightGBM text and JSON state (never a pickle); each task rebuilds it and
calls :func:`models.conversion.scoring.score_leads` on its rows. A lead's score depends on its
own row only, so the parts, put back in order, equal one call on the whole frame.
"""

from __future__ import annotations

import pandas as pd

from models.conversion.model import LeadConversionModel
from models.conversion.scoring import score_leads
from models.conversion.store import conversion_model_from_text, conversion_model_text
from models.scale.tasks import Tasks

PART_ROWS = 20_000


def row_ranges(n_rows: int, part_rows: int) -> list[tuple[int, int]]:
    """Return ``(start, stop)`` of consecutive parts of at most ``part_rows`` rows."""
    if part_rows < 1:
        raise ValueError(f"part_rows={part_rows} must be at least 1")
    return [(start, min(start + part_rows, n_rows)) for start in range(0, n_rows, part_rows)]


def _score_part(features: pd.DataFrame, model_text: tuple[str, str],
                cltv: pd.Series | None) -> pd.DataFrame:
    model = conversion_model_from_text(*model_text)
    return score_leads(model, features.reset_index(drop=True), cltv)


def score_in_parts(tasks: Tasks, model: LeadConversionModel, features: pd.DataFrame,
                   cltv: pd.Series | None = None, part_rows: int = PART_ROWS) -> pd.DataFrame:
    """Score leads part by part on a cluster; the result equals ``score_leads`` on all rows.

    When ``tasks`` does not split work (this process), it is that one call.

    Parameters
    ----------
    tasks : Tasks
        Where the parts run (:class:`models.scale.tasks.DaskTasks` on a cluster).
    model : LeadConversionModel
        A fitted model; sent once as text.
    features : pd.DataFrame
        As for :func:`models.conversion.scoring.score_leads`; not modified.
    cltv : pd.Series or None
        CLTV of a new customer by channel.
    part_rows : int
        Rows per task.

    Returns
    -------
    pd.DataFrame
        :data:`models.conversion.scoring.SCORE_COLUMNS`, in the order of ``features``.
    """
    if not tasks.split or features.empty:  # no rows: the kernel raises here, as on one machine
        return score_leads(model, features, cltv)
    parts = [features.iloc[start:stop] for start, stop in row_ranges(len(features), part_rows)]
    scored = tasks.map(_score_part, parts, tasks.share(conversion_model_text(model)),
                       tasks.share(cltv))
    return pd.concat(scored, ignore_index=True)
