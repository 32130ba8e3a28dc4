"""Tests of ``channelwise validate`` on tiny directories, through the Typer app."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner, Result

from pipelines.cli import app


def tables() -> dict[str, pd.DataFrame]:
    """Two customers, three orders, three spend rows and three leads."""
    return {
        "customers": pd.DataFrame(
            {
                "customer_id": ["C1", "C2"],
                "acquired_at": ["2024-01-01 10:00:00", "2024-01-09 08:00:00"],
                "acquisition_channel": ["paid_search", "organic"],
            }
        ),
        "orders": pd.DataFrame(
            {
                "order_id": ["O1", "O2", "O3"],
                "customer_id": ["C1", "C2", "C1"],
                "ordered_at": ["2024-01-01 10:00:00", "2024-01-09 08:00:00", "2024-02-01 12:00:00"],
                "revenue": [120.5, 80.0, 35.25],
            }
        ),
        "spend": pd.DataFrame(
            {
                "week": ["2024-01-01", "2024-01-01", "2024-01-08"],
                "channel": ["paid_search", "display", "paid_search"],
                "spend": [100.0, 50.0, 120.0],
            }
        ),
        "leads": pd.DataFrame(
            {
                "lead_id": ["L1", "L2", "L3"],
                "created_at": ["2023-12-30 09:00:00", "2024-01-05 09:00:00", "2024-01-06 09:00:00"],
                "channel": ["paid_search", "organic", "referral"],
                "converted_at": ["2024-01-01 10:00:00", "2024-01-09 08:00:00", None],
                "customer_id": ["C1", "C2", None],
            }
        ),
    }


def write(directory: Path, frames: dict[str, pd.DataFrame], fmt: str = "csv") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        if fmt == "csv":
            frame.to_csv(directory / f"{name}.csv", index=False)
        else:
            typed = frame.assign(
                **{
                    c: pd.to_datetime(frame[c])
                    for c in frame.columns
                    if c.endswith(("_at", "week"))
                }
            )
            typed.to_parquet(directory / f"{name}.parquet", index=False)
    return directory


def run(directory: Path) -> Result:
    # A wide terminal keeps Rich from wrapping cells, so the assertions read whole words.
    return CliRunner().invoke(app, ["validate", str(directory)], env={"COLUMNS": "200"})


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_valid_directory_exits_0_with_a_summary(tmp_path: Path, fmt: str) -> None:
    result = run(write(tmp_path, tables(), fmt))

    assert result.exit_code == 0, result.output
    for table, rows in {"customers": 2, "orders": 3, "spend": 3, "leads": 3}.items():
        assert re.search(rf"{table}\W+{rows}\W", result.output), result.output
    assert "2024-01-01" in result.output and "2024-02-01" in result.output
    assert "paid channels: display, paid_search" in result.output
    assert "unpaid channels: organic, referral" in result.output


def test_corrupt_directory_exits_1_naming_table_and_column(tmp_path: Path) -> None:
    frames = tables()
    frames["orders"].loc[1, "revenue"] = -5.0
    frames["spend"].loc[2, "week"] = "2024-01-09"

    result = run(write(tmp_path, frames))

    assert result.exit_code == 1
    assert re.search(r"orders\W+revenue\W+must be >= 0\W+1\W", result.output), result.output
    assert re.search(r"spend\W+week\W+must be a Monday", result.output), result.output
    assert "row 2: order_id=O2, revenue=-5.0" in result.output
    assert "2 data contract violation(s)" in result.output
    assert "Traceback" not in result.output


def test_missing_directory_exits_1_without_traceback(tmp_path: Path) -> None:
    result = run(tmp_path / "nowhere")

    assert result.exit_code == 1
    assert "directory not found" in result.output
    assert "Traceback" not in result.output


def test_missing_table_exits_1(tmp_path: Path) -> None:
    frames = tables()
    del frames["spend"]

    result = run(write(tmp_path, frames))

    assert result.exit_code == 1
    assert re.search(r"spend\W+\*\W+required table missing", result.output), result.output


def test_unreadable_file_exits_1_without_traceback(tmp_path: Path) -> None:
    write(tmp_path, tables())
    (tmp_path / "orders.csv").unlink()
    (tmp_path / "orders.parquet").write_bytes(b"not parquet")

    result = run(tmp_path)

    assert result.exit_code == 1
    assert re.search(r"orders\W+\*\W+file cannot be read", result.output), result.output
    assert "Traceback" not in result.output


def test_help_shows_an_example() -> None:
    result = CliRunner().invoke(app, ["validate", "--help"], env={"COLUMNS": "200"})

    assert result.exit_code == 0
    assert "channelwise validate data/simulated" in result.output
