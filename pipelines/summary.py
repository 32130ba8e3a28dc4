"""A plain summary of a validated dataset: rows, date ranges and channels."""

from __future__ import annotations

from typing import Any

from features.contract import Dataset

DATE_COLUMNS = {"customers": "acquired_at", "orders": "ordered_at", "spend": "week",
                "leads": "created_at"}


def dataset_summary(dataset: Dataset) -> dict[str, Any]:
    """Rows and date range per table, and the paid and unpaid channels."""
    tables: dict[str, Any] = {}
    for name, column in DATE_COLUMNS.items():
        frame = getattr(dataset, name)
        if frame is None:
            continue
        tables[name] = {
            "rows": len(frame),
            "first": frame[column].min().date().isoformat(),
            "last": frame[column].max().date().isoformat(),
        }
    return {"tables": tables, "paid_channels": dataset.paid_channels,
            "unpaid_channels": dataset.unpaid_channels}
