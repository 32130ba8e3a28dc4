"""Score raw lead rows as ``score-leads`` does, for the CLI and the served MLflow model.

Both paths check the rows against the contract (:func:`typed_leads`), build the features as
of the day after the newest lead (:func:`features_for_scoring`) and score them with
:func:`models.conversion.scoring.score_leads`. A served model has no leads export with it,
so it adds the leads' history kept at training (:func:`lead_history`) for the team form.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.contract_errors import ContractError
from features.contract_parse import NUMERIC_COLUMNS
from features.contract_rules import TABLE_SPECS, check_table
from features.leads import OUTCOME_COLUMNS, build_lead_features
from features.team_form import DEFAULT_WINDOWS
from models.conversion.model import LeadConversionModel
from models.conversion.scoring import score_leads

# The one outcome the features use: other leads' conversions, for the team form.
HISTORY_OUTCOMES = frozenset({"converted_at"})


def typed_leads(raw: pd.DataFrame) -> pd.DataFrame:
    """Parse raw lead rows (text, as in a CSV export) into the contract's types.

    Raises
    ------
    ContractError
        Naming every broken rule of the ``leads`` table.
    """
    typed, violations = check_table(TABLE_SPECS["leads"], raw)
    if violations:
        raise ContractError(violations)
    return typed


def features_for_scoring(leads: pd.DataFrame) -> pd.DataFrame:
    """Build lead features as of the day after the newest lead, so every lead is scored."""
    cutoff = leads["created_at"].max().normalize() + pd.Timedelta(days=1)
    return build_lead_features(leads, cutoff)


def lead_history(leads: pd.DataFrame) -> pd.DataFrame:
    """Return the leads as kept with a served model: every column but the outcomes.

    ``converted_at`` stays: the team form counts other leads' conversions before each lead.
    """
    dropped = [column for column in leads.columns
               if column in OUTCOME_COLUMNS and column not in HISTORY_OUTCOMES]
    return leads.drop(columns=dropped)


def score_with_history(
    model: LeadConversionModel,
    history: pd.DataFrame,
    raw: pd.DataFrame,
    cltv: pd.Series | None,
) -> pd.DataFrame:
    """Score raw lead rows, with the training history for features that need the past.

    Parameters
    ----------
    model : LeadConversionModel
        A fitted model.
    history : pandas.DataFrame
        Typed leads kept at training (:func:`lead_history`); rows with a ``lead_id`` of
        ``raw`` are replaced by the new rows.
    raw : pandas.DataFrame
        Lead rows in the contract's columns (``lead_id``, ``created_at``, ``channel``, and
        the model's attributes), as text or numbers.
    cltv : pandas.Series or None
        CLTV of a new customer by channel, for ``expected_value``.

    Returns
    -------
    pandas.DataFrame
        ``lead_id``, ``p_convert``, ``expected_value``, ``reason_1..3``, in the order of
        ``raw``.
    """
    new = typed_leads(raw.reset_index(drop=True))
    older = relevant_history(history.loc[~history["lead_id"].isin(new["lead_id"])],
                             new["created_at"].min())
    features = features_for_scoring(pd.concat([older, new], ignore_index=True))
    wanted = features.loc[features["lead_id"].isin(new["lead_id"])]
    order = pd.Index(wanted["lead_id"]).get_indexer(new["lead_id"].astype("str"))
    return score_leads(model, wanted.iloc[order].reset_index(drop=True), cltv)


def relevant_history(history: pd.DataFrame, first_created: pd.Timestamp) -> pd.DataFrame:
    """Keep the history rows a lead created from ``first_created`` on can see.

    The team form of a lead counts leads created and conversions made in the window before
    it; older rows cannot enter it. The newest row is always kept: it sets the cutoff.
    """
    start = first_created - pd.Timedelta(days=max(DEFAULT_WINDOWS))
    seen = history["created_at"] >= start
    if "converted_at" in history.columns:
        seen |= history["converted_at"] >= start
    if len(history):
        seen.iloc[int(np.argmax(history["created_at"].to_numpy()))] = True
    return history.loc[seen]


def request_types(columns: list[str]) -> dict[str, str]:
    """Return the MLflow column type of each raw lead column.

    Numbers are ``any``: a CRM sends ``touches`` as 5 or 5.0 or "5", and the contract
    parses each. The rest is text (timestamps as ISO 8601).
    """
    return {column: "any" if column in NUMERIC_COLUMNS else "string" for column in columns}


def as_request(leads: pd.DataFrame) -> pd.DataFrame:
    """Render typed leads as a served model receives them: numbers, and text elsewhere."""
    columns = {}
    for column, kind in request_types(list(leads.columns)).items():
        values = leads[column]
        if kind == "any":
            columns[column] = values.astype(np.float64)
        elif pd.api.types.is_datetime64_any_dtype(values.dtype):
            columns[column] = values.dt.strftime("%Y-%m-%d %H:%M:%S").astype(object)
        else:
            columns[column] = values.astype(object)
        columns[column] = columns[column].where(values.notna(), None)
    return pd.DataFrame(columns)
