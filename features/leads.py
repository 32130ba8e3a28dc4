"""Per-lead features and censoring-aware conversion labels, as of a cutoff.

Features never see a lead's own funnel outcome: every column in `OUTCOME_COLUMNS` is
dropped. Nor do they see identifiers (`features.contract_parse.ID_COLUMNS`, e.g.
``referred_by``): an id says who, not what, so a model would learn each id's luck, and an id
it has not seen means nothing to it. The one use of ``converted_at`` is the team form
(`features.team_form`): other leads' conversions observed strictly before this lead was
created.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from features._checks import DAY_SECONDS, require_columns, to_category_ready
from features.contract_parse import ID_COLUMNS
from features.team_form import DEFAULT_WINDOWS, team_form

LEAD_COLUMNS = ("lead_id", "created_at", "channel")
OUTCOME_COLUMNS = frozenset(
    {
        "mql_at",
        "sql_at",
        "converted_at",
        "customer_id",
        # Not in the contract, but common in CRM exports and just as leaky.
        "converted",
        "is_converted",
        "won",
        "won_at",
        "lost_at",
        "closed_at",
        "status",
        "stage",
        "deal_value",
    }
)
_KNOWN_COLUMNS = ("lead_id", "created_at", "channel", "team", "touches")


def build_lead_features(
    leads: pd.DataFrame, cutoff: pd.Timestamp, team_form_days: Sequence[int] = DEFAULT_WINDOWS
) -> pd.DataFrame:
    """Build one row of features per lead created strictly before `cutoff`.

    Parameters
    ----------
    leads : pd.DataFrame
        Requires ``lead_id``, ``created_at``, ``channel``. Optional ``team`` and
        ``touches`` pass through; every column in `OUTCOME_COLUMNS` or `ID_COLUMNS` is
        dropped, and so is any other datetime column, because its date may fall after the
        cutoff. The remaining columns are attributes: text becomes ``str``, and
        "True"/"False" text becomes ``bool``.
    cutoff : pd.Timestamp
        The as-of moment (exclusive).
    team_form_days : sequence of int
        Windows of the team form index (`features.team_form.team_form`), computed when
        ``team`` and ``converted_at`` are both present; empty for none.

    Returns
    -------
    pd.DataFrame
        Sorted by ``lead_id`` with a fresh RangeIndex: ``lead_id``, ``channel``,
        ``team`` (if present), the attributes, ``created_dow`` (0 = Monday),
        ``created_month`` (1-12), ``lead_age_days``, ``touches`` (if present) and
        ``team_form_<w>d`` per window (if computed).
    """
    require_columns(leads, LEAD_COLUMNS, "leads")
    cutoff = pd.Timestamp(cutoff)
    kept = _leads_before(leads, cutoff)
    created = kept["created_at"]
    attributes = [
        column
        for column in kept.columns
        if column not in _KNOWN_COLUMNS
        and column not in OUTCOME_COLUMNS
        and column not in ID_COLUMNS
        and not pd.api.types.is_datetime64_any_dtype(kept[column].dtype)
    ]
    columns: dict[str, pd.Series] = {
        "lead_id": kept["lead_id"].astype("str"),
        "channel": kept["channel"].astype("str"),
    }
    if "team" in kept.columns:
        columns["team"] = kept["team"].astype("str")
    columns |= {column: to_category_ready(kept[column]) for column in attributes}
    columns |= {
        "created_dow": created.dt.dayofweek.astype("int64"),
        "created_month": created.dt.month.astype("int64"),
        "lead_age_days": (cutoff - created).dt.total_seconds() / DAY_SECONDS,
    }
    if "touches" in kept.columns:
        columns["touches"] = kept["touches"].copy()
    if team_form_days and {"team", "converted_at"} <= set(kept.columns):
        form = team_form(kept, team_form_days).drop(columns="lead_id")
        columns |= {column: form[column] for column in form.columns}
    return pd.DataFrame(columns)


def label_conversions(
    leads: pd.DataFrame, cutoff: pd.Timestamp, window_days: float
) -> pd.DataFrame:
    """Label whether each lead created before `cutoff` converted within `window_days`.

    Parameters
    ----------
    leads : pd.DataFrame
        Requires ``lead_id``, ``created_at``, ``converted_at`` (NaT when not converted).
    cutoff : pd.Timestamp
        Only conversions strictly before it count; leads created at or after it
        are left out.
    window_days : float
        How long after creation a conversion counts, in days (> 0).

    Returns
    -------
    pd.DataFrame
        Sorted by ``lead_id``: ``lead_id``, ``converted`` (int 0/1) and ``censored``
        (bool: not converted and created within `window_days` of the cutoff, so
        the window had not closed by then).
    """
    require_columns(leads, ("lead_id", "created_at", "converted_at"), "leads")
    if not window_days > 0:
        raise ValueError(f"window_days must be positive, got {window_days}")
    cutoff = pd.Timestamp(cutoff)
    window = pd.Timedelta(days=window_days)
    kept = _leads_before(leads[["lead_id", "created_at", "converted_at"]], cutoff)
    created, converted_at = kept["created_at"], kept["converted_at"]
    converted = (converted_at < cutoff) & (converted_at - created <= window)
    return pd.DataFrame(
        {
            "lead_id": kept["lead_id"].astype("str"),
            "converted": converted.astype("int64"),
            "censored": ~converted & (created > cutoff - window),
        }
    )


def _leads_before(leads: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """Leads created before `cutoff`, sorted by id, with a fresh RangeIndex."""
    kept = leads.loc[leads["created_at"] < cutoff]
    if kept["lead_id"].duplicated().any():
        raise ValueError("leads.lead_id must be unique")
    return kept.sort_values("lead_id", kind="stable").reset_index(drop=True)
