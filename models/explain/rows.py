"""The rows each model is explained on, encoded exactly as the model saw them at training.

Each builder takes the prepared tables and the model's saved metadata and returns the
encoded feature frame with the channel of every row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from models.cltv.channel import acquisition_rows
from models.cltv.model import encode, orders_before
from models.cltv.rows import features_as_of
from models.tabular import TabularSchema, encode_frame


@dataclass(frozen=True)
class ModelRows:
    """Encoded rows of one model, the channel of each row and the category levels."""

    features: pd.DataFrame
    channels: pd.Series
    categories: dict[str, tuple[str, ...]]


def _rows(frame: pd.DataFrame, schema: TabularSchema, channel_column: str) -> ModelRows:
    features = encode(frame, schema).reset_index(drop=True)
    channels = frame[channel_column].astype("str").reset_index(drop=True)
    return ModelRows(features=features, channels=channels, categories=dict(schema.categories))


def cltv_rows(
    customers: pd.DataFrame, orders: pd.DataFrame, metadata: dict[str, Any]
) -> ModelRows:
    """Every customer as of the CLTV model's ``as_of``: the rows it scored.

    Parameters
    ----------
    customers, orders : pandas.DataFrame
        The prepared tables (``customer_id``, ``acquired_at``, ``acquisition_channel``;
        ``customer_id``, ``ordered_at`` and the value column).
    metadata : dict
        The JSON beside ``model.txt``: ``as_of``, ``config`` and ``schema``.
    """
    as_of = pd.Timestamp(metadata["as_of"])
    config = metadata["config"]
    frame, _ = features_as_of(
        customers, orders_before(orders, as_of), as_of, int(config["horizon_days"]),
        int(config["random_state"]), config.get("max_btyd_rows"),
    )
    return _rows(frame, TabularSchema.from_dict(metadata["schema"]), "acquisition_channel")


def new_customer_rows(
    customers: pd.DataFrame, orders: pd.DataFrame, metadata: dict[str, Any]
) -> ModelRows:
    """Describe customers as on their acquisition day, from the cohorts channel CLTV averages.

    Those are the customers acquired in the ``recent_days`` before ``as_of`` (all of a
    channel's customers when it acquired none recently), as in
    :func:`models.cltv.channel.channel_cltv`; their mean SHAP values explain why one
    channel's new customers are worth more than another's.

    Parameters
    ----------
    customers, orders : pandas.DataFrame
        The prepared tables.
    metadata : dict
        The JSON beside ``new_customer.txt``: ``as_of``, ``config``, ``settings``, ``schema``.
    """
    as_of = pd.Timestamp(metadata["as_of"])
    config = metadata["config"]
    rows = acquisition_rows(customers, orders, as_of, int(config["horizon_days"]),
                            str(config["value_col"]))
    recent_days = int(metadata.get("settings", {}).get("recent_days", 365))
    recent = rows["acquired_at"] >= as_of - pd.Timedelta(days=recent_days)
    missing = ~rows["acquisition_channel"].isin(rows.loc[recent, "acquisition_channel"])
    return _rows(rows.loc[recent | missing], TabularSchema.from_dict(metadata["schema"]),
                 "acquisition_channel")


def lead_rows(lead_features: pd.DataFrame, state: dict[str, Any]) -> ModelRows:
    """Every lead of the lead feature table, encoded with the conversion model's schema.

    Parameters
    ----------
    lead_features : pandas.DataFrame
        ``channel`` and every column the model was fit on (``features/leads.parquet``).
    state : dict
        The JSON beside the conversion ``model.txt``, with its ``schema``.
    """
    schema = TabularSchema.from_dict(state["schema"])
    columns = list(schema.columns)
    features = pd.DataFrame(encode_frame(lead_features[columns], schema), columns=columns)
    channels = lead_features["channel"].astype("str").reset_index(drop=True)
    return ModelRows(features=features, channels=channels, categories=dict(schema.categories))


def restrict(rows: ModelRows, positions: Any) -> ModelRows:
    """Keep the rows at ``positions`` (e.g. from :func:`models.explain.tables.sample_rows`)."""
    return ModelRows(
        features=rows.features.iloc[positions].reset_index(drop=True),
        channels=rows.channels.iloc[positions].reset_index(drop=True),
        categories=rows.categories,
    )
