"""A JSON-ready summary of a validated dataset: rows, date ranges and channels."""

from __future__ import annotations

from typing import Any

import pandas as pd

from features.contract import Dataset, describe_dataset


def _day(value: object) -> str:
    return pd.Timestamp(str(value)).date().isoformat()


def dataset_summary(dataset: Dataset) -> dict[str, Any]:
    """Return rows and date range per table, and the paid and unpaid channels."""
    described = describe_dataset(dataset).to_dict("records")
    tables = {
        str(row["table"]): {"rows": int(row["rows"]), "first": _day(row["first"]),
                            "last": _day(row["last"])}
        for row in described
    }
    return {"tables": tables, "paid_channels": dataset.paid_channels,
            "unpaid_channels": dataset.unpaid_channels}
