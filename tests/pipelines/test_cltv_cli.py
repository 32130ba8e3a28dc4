"""``channelwise cltv`` on tiny transaction logs, through the Typer app."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner, Result

from pipelines.cli import app

CUTOFF = "2025-03-31"


def order_log(n_customers: int = 120, seed: int = 5) -> pd.DataFrame:
    """About six orders per customer between 2024-01-01 and 2025-09-30."""
    rng = np.random.default_rng(seed)
    first = rng.uniform(0, 360, n_customers)
    counts = rng.poisson(5, n_customers) + 1
    owner = np.repeat(np.arange(n_customers), counts)
    offset = np.where(np.r_[True, owner[1:] != owner[:-1]], 0.0, rng.uniform(0, 270, owner.size))
    stamps = pd.Timestamp("2024-01-01") + pd.to_timedelta(first[owner] + offset, unit="D")
    return pd.DataFrame({
        "customer_id": [f"K{i:03d}" for i in owner],
        "ordered_at": stamps.strftime("%Y-%m-%d %H:%M:%S"),
        "revenue": np.round(rng.gamma(2.0, 30.0, owner.size), 2),
    })


def run(tmp_path: Path, orders: pd.DataFrame, *extra: str, cutoff: str = CUTOFF) -> Result:
    orders.to_csv(tmp_path / "orders.csv", index=False)
    args = ["cltv", "--orders", str(tmp_path / "orders.csv"), "--cutoff", cutoff,
            "--horizon-days", "90", "--step-days", "90", "--out", str(tmp_path / "out.csv"), *extra]
    return CliRunner().invoke(app, args, env={"COLUMNS": "200"})


def test_scores_every_customer_seen_by_the_cutoff(tmp_path: Path) -> None:
    orders = order_log()
    result = run(tmp_path, orders)
    assert result.exit_code == 0, result.output
    scored = pd.read_csv(tmp_path / "out.csv")
    assert list(scored.columns) == ["customer_id", "predicted_value", "predicted_p10",
                                    "predicted_p90", "p_alive"]
    seen = orders.loc[pd.to_datetime(orders["ordered_at"]) < "2025-04-01", "customer_id"]
    assert sorted(scored["customer_id"]) == sorted(seen.unique())
    assert (scored["predicted_p10"] <= scored["predicted_p90"]).all()
    assert scored["p_alive"].between(0, 1).all()


def test_rows_after_the_cutoff_change_nothing(tmp_path: Path) -> None:
    orders = order_log()
    assert run(tmp_path, orders).exit_code == 0
    first = (tmp_path / "out.csv").read_bytes()
    later = pd.to_datetime(orders["ordered_at"]) >= "2025-04-01"
    orders.loc[later, "revenue"] = -1.0  # even invalid values after the cutoff are never read
    assert run(tmp_path, orders).exit_code == 0
    assert (tmp_path / "out.csv").read_bytes() == first


def test_customers_file_adds_channel_and_attributes(tmp_path: Path) -> None:
    orders = order_log()
    ids = sorted(orders["customer_id"].unique())
    pd.DataFrame({"customer_id": ids, "acquisition_channel": ["a", "b"] * (len(ids) // 2),
                  "segment": ["x", "y", "z"] * (len(ids) // 3)}).to_csv(
        tmp_path / "customers.csv", index=False)
    result = run(tmp_path, orders, "--customers", str(tmp_path / "customers.csv"))
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(tmp_path / "out.csv")) > 0


def _broken(case: str, orders: pd.DataFrame) -> pd.DataFrame:
    if case == "missing column":
        return orders.drop(columns="revenue")
    if case == "negative revenue":
        orders.loc[3, "revenue"] = -5.0
        orders.loc[3, "ordered_at"] = "2024-06-01 10:00:00"
    if case == "bad date":
        orders.loc[2, "ordered_at"] = "yesterday"
    return orders


@pytest.mark.parametrize(("case", "expected"), [
    ("missing column", "orders.csv: missing required column(s) revenue"),
    ("negative revenue", "orders.csv: column 'revenue': must be >= 0 (1 row)"),
    ("bad date", "orders.csv: column 'ordered_at': not a valid datetime (1 row)"),
])
def test_bad_orders_exit_1_with_one_message(tmp_path: Path, case: str, expected: str) -> None:
    result = run(tmp_path, _broken(case, order_log()))
    assert result.exit_code == 1
    assert expected in " ".join(result.output.split()), result.output
    assert result.output.count("error:") == 1
    assert "Traceback" not in result.output
    assert not (tmp_path / "out.csv").exists()


def test_no_rows_before_the_cutoff_exits_1(tmp_path: Path) -> None:
    result = run(tmp_path, order_log(), cutoff="2023-06-30")
    assert result.exit_code == 1
    assert "column 'ordered_at': no rows on or before the cutoff 2023-06-30" in " ".join(
        result.output.split())
    assert not (tmp_path / "out.csv").exists()


def test_too_little_history_exits_1(tmp_path: Path) -> None:
    result = run(tmp_path, order_log(), cutoff="2024-02-15")
    assert result.exit_code == 1
    assert "too short" in result.output
    assert "Traceback" not in result.output


def test_unknown_customer_in_orders_exits_1(tmp_path: Path) -> None:
    pd.DataFrame({"customer_id": ["K000"]}).to_csv(tmp_path / "customers.csv", index=False)
    result = run(tmp_path, order_log(), "--customers", str(tmp_path / "customers.csv"))
    assert result.exit_code == 1
    assert "customers.csv: column 'customer_id'" in result.output
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize(("args", "expected"), [
    (["--cutoff", "soon"], "--cutoff 'soon': not a date"),
    (["--out", "scores.xlsx"], "must end in .csv or .parquet"),
])
def test_bad_options_exit_1(tmp_path: Path, args: list[str], expected: str) -> None:
    options = {"--orders": str(tmp_path / "orders.csv"), "--cutoff": CUTOFF,
               "--out": str(tmp_path / "out.csv")} | dict(zip(args[::2], args[1::2], strict=True))
    order_log().to_csv(tmp_path / "orders.csv", index=False)
    result = CliRunner().invoke(app, ["cltv", *[v for kv in options.items() for v in kv]])
    assert result.exit_code == 1
    assert expected in result.output


def test_help_shows_an_example() -> None:
    result = CliRunner().invoke(app, ["cltv", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "Example: channelwise cltv --orders orders.csv --cutoff 2024-06-30" in result.output
