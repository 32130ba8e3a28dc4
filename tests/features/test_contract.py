"""Tests of the input data contract on tiny hand-made tables."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from features.contract import (
    ContractError,
    Dataset,
    Violation,
    find_table_files,
    load_dataset,
    read_table,
    validate_tables,
)

Tables = dict[str, pd.DataFrame]


def valid_tables() -> Tables:
    """Three customers, four orders, four spend rows and four leads, as read from CSV."""
    customers = pd.DataFrame(
        {
            "customer_id": ["C3", "C1", "C2"],
            "acquired_at": ["2024-01-03 09:00:00", "2024-01-01 10:00:00", "2024-01-02 11:30:00"],
            "acquisition_channel": ["paid_search", "organic", "display"],
            "team": ["north", "south", None],
            "region": ["EU", "US", "EU"],
        },
        dtype=str,
    )
    orders = pd.DataFrame(
        {
            "order_id": ["O1", "O2", "O3", "O4"],
            "customer_id": ["C1", "C2", "C3", "C1"],
            "ordered_at": [
                "2024-01-08 12:00:00",
                "2024-01-02 11:30:00",
                "2024-01-03 09:00:00",
                "2024-01-01 10:00:00",
            ],
            "revenue": ["35.25", "80", "0", "120.50"],
        },
        dtype=str,
    )
    spend = pd.DataFrame(
        {
            "week": ["2024-01-08", "2024-01-01", "2024-01-01", "2024-01-08"],
            "channel": ["paid_search", "paid_search", "display", "display"],
            "spend": ["100", "150.5", "0", "75"],
        },
        dtype=str,
    )
    leads = pd.DataFrame(
        {
            "lead_id": ["L2", "L1", "L3", "L4"],
            "created_at": [
                "2024-01-02 08:00:00",
                "2023-12-28 09:00:00",
                "2024-01-04 15:00:00",
                "2024-01-04 15:00:00",
            ],
            "channel": ["paid_search", "organic", "referral", "display"],
            "touches": ["1", "3", None, "0"],
            "engagement_score": ["55.5", "70", "12", None],
            "mql_at": [None, "2023-12-29 10:00:00", None, None],
            "sql_at": [None, "2023-12-30 10:00:00", None, None],
            "converted_at": [None, "2024-01-01 10:00:00", None, None],
            "customer_id": [None, "C1", None, None],
        },
        dtype=str,
    )
    return {"customers": customers, "orders": orders, "spend": spend, "leads": leads}


def contract_error(tables: Tables) -> ContractError:
    with pytest.raises(ContractError) as caught:
        validate_tables(tables)
    return caught.value


def only_violation(tables: Tables) -> Violation:
    violations = contract_error(tables).violations
    assert len(violations) == 1, [found.message() for found in violations]
    return violations[0]


def set_cell(tables: Tables, table: str, row: int, column: str, value: object) -> Tables:
    frame = tables[table].copy()
    frame.loc[row, column] = value
    return {**tables, table: frame}


# --- a valid dataset ---------------------------------------------------------------------


def test_valid_tables_give_typed_columns() -> None:
    dataset = validate_tables(valid_tables())

    assert dataset.customers.dtypes.to_dict() == {
        "customer_id": "str",
        "acquired_at": "datetime64[ns]",
        "acquisition_channel": "str",
        "team": "str",
        "region": "str",
    }
    assert dataset.orders.dtypes.to_dict() == {
        "order_id": "str",
        "customer_id": "str",
        "ordered_at": "datetime64[ns]",
        "revenue": "float64",
    }
    assert dataset.spend.dtypes.to_dict() == {
        "week": "datetime64[ns]",
        "channel": "str",
        "spend": "float64",
    }
    assert dataset.leads is not None
    leads = dataset.leads.dtypes.to_dict()
    assert leads["lead_id"] == "str" and leads["customer_id"] == "str"
    assert leads["touches"] == "float64" and leads["engagement_score"] == "float64"
    for column in ("created_at", "mql_at", "sql_at", "converted_at"):
        assert leads[column] == "datetime64[ns]"


def test_valid_tables_are_sorted_with_a_fresh_index() -> None:
    dataset = validate_tables(valid_tables())

    assert dataset.customers["customer_id"].tolist() == ["C1", "C2", "C3"]
    assert dataset.orders["order_id"].tolist() == ["O4", "O2", "O3", "O1"]
    assert list(zip(dataset.spend["week"].dt.day, dataset.spend["channel"], strict=True)) == [
        (1, "display"),
        (1, "paid_search"),
        (8, "display"),
        (8, "paid_search"),
    ]
    assert dataset.leads is not None
    # L3 and L4 share created_at, so lead_id breaks the tie.
    assert dataset.leads["lead_id"].tolist() == ["L1", "L2", "L3", "L4"]
    for frame in (dataset.customers, dataset.orders, dataset.spend, dataset.leads):
        assert frame.index.equals(pd.RangeIndex(len(frame)))


def test_values_are_parsed_and_missing_stays_missing() -> None:
    dataset = validate_tables(valid_tables())
    leads = dataset.leads
    assert leads is not None

    assert dataset.orders["revenue"].tolist() == [120.5, 80.0, 0.0, 35.25]
    assert dataset.customers["acquired_at"].iloc[0] == pd.Timestamp("2024-01-01 10:00:00")
    assert leads["customer_id"].isna().tolist() == [False, True, True, True]
    assert "nan" not in set(leads["customer_id"].dropna())
    assert dataset.customers["team"].isna().tolist() == [False, True, False]
    assert np.isnan(leads["touches"].iloc[2])


def test_validation_does_not_modify_its_input() -> None:
    tables = valid_tables()
    before = {name: frame.copy() for name, frame in tables.items()}

    validate_tables(tables)

    for name, frame in tables.items():
        pd.testing.assert_frame_equal(frame, before[name])


def test_paid_and_unpaid_channels() -> None:
    dataset = validate_tables(valid_tables())

    assert dataset.paid_channels == ["display", "paid_search"]
    assert dataset.unpaid_channels == ["organic", "referral"]


def test_leads_are_optional() -> None:
    tables = valid_tables()
    del tables["leads"]

    dataset = validate_tables(tables)

    assert dataset.leads is None
    assert dataset.unpaid_channels == ["organic"]


def test_a_channel_only_in_spend_is_fine() -> None:
    tables = valid_tables()
    extra = pd.DataFrame({"week": ["2024-01-01"], "channel": ["tv"], "spend": ["10"]}, dtype=str)
    tables["spend"] = pd.concat([tables["spend"], extra], ignore_index=True)

    assert "tv" in validate_tables(tables).paid_channels


def test_time_zone_aware_timestamps_become_naive_utc() -> None:
    tables = set_cell(valid_tables(), "orders", 0, "ordered_at", "2024-01-08T12:00:00+02:00")
    tables["spend"] = tables["spend"].assign(
        week=pd.to_datetime(tables["spend"]["week"]).dt.tz_localize("UTC")
    )

    dataset = validate_tables(tables)

    assert pd.Timestamp("2024-01-08 10:00:00") in set(dataset.orders["ordered_at"])
    assert dataset.spend["week"].dtype == "datetime64[ns]"
    assert dataset.spend["week"].iloc[0] == pd.Timestamp("2024-01-01")


def test_ids_keep_their_text() -> None:
    tables = set_cell(valid_tables(), "orders", 0, "order_id", "007")

    assert "007" in set(validate_tables(tables).orders["order_id"])


# --- one test per broken rule --------------------------------------------------------------

Corruption = Callable[[Tables], Tables]


def drop_column(table: str, column: str) -> Corruption:
    return lambda tables: {**tables, table: tables[table].drop(columns=column)}


def put(table: str, row: int, column: str, value: object) -> Corruption:
    return lambda tables: set_cell(tables, table, row, column, value)


def duplicate_row(table: str, row: int) -> Corruption:
    def corrupt(tables: Tables) -> Tables:
        frame = tables[table]
        return {**tables, table: pd.concat([frame, frame.iloc[[row]]], ignore_index=True)}

    return corrupt


CORRUPTIONS = [
    pytest.param(
        drop_column("orders", "revenue"),
        "orders",
        "revenue",
        "required column missing",
        4,
        id="missing column",
    ),
    pytest.param(
        drop_column("spend", "week"),
        "spend",
        "week",
        "required column missing",
        4,
        id="missing week",
    ),
    pytest.param(
        put("orders", 1, "ordered_at", "last tuesday"),
        "orders",
        "ordered_at",
        "not a valid datetime",
        1,
        id="bad datetime",
    ),
    pytest.param(
        put("leads", 0, "created_at", "2024-02-30"),
        "leads",
        "created_at",
        "not a valid datetime",
        1,
        id="bad lead datetime",
    ),
    pytest.param(
        put("orders", 2, "revenue", "12,50"),
        "orders",
        "revenue",
        "not a number",
        1,
        id="bad number",
    ),
    pytest.param(
        put("spend", 0, "spend", "n.a."), "spend", "spend", "not a number", 1, id="bad spend"
    ),
    pytest.param(
        put("customers", 1, "acquisition_channel", None),
        "customers",
        "acquisition_channel",
        "must not be null",
        1,
        id="null channel",
    ),
    pytest.param(
        put("orders", 3, "order_id", "  "),
        "orders",
        "order_id",
        "must not be null",
        1,
        id="blank order id",
    ),
    pytest.param(
        put("orders", 0, "revenue", None),
        "orders",
        "revenue",
        "must not be null",
        1,
        id="null revenue",
    ),
    pytest.param(
        put("leads", 2, "channel", None),
        "leads",
        "channel",
        "must not be null",
        1,
        id="null lead channel",
    ),
    pytest.param(
        put("orders", 1, "revenue", "-5"),
        "orders",
        "revenue",
        "must be >= 0",
        1,
        id="negative revenue",
    ),
    pytest.param(
        put("spend", 3, "spend", "-0.01"), "spend", "spend", "must be >= 0", 1, id="negative spend"
    ),
    pytest.param(
        duplicate_row("customers", 0),
        "customers",
        "customer_id",
        "must be unique",
        2,
        id="duplicate customer",
    ),
    pytest.param(
        put("orders", 0, "order_id", "O2"),
        "orders",
        "order_id",
        "must be unique",
        2,
        id="duplicate order",
    ),
    pytest.param(
        put("leads", 3, "lead_id", "L1"),
        "leads",
        "lead_id",
        "must be unique",
        2,
        id="duplicate lead",
    ),
    pytest.param(
        put("spend", 0, "channel", "display"),
        "spend",
        "week, channel",
        "must be unique",
        2,
        id="duplicate week",
    ),
    pytest.param(
        put("orders", 2, "customer_id", "C9"),
        "orders",
        "customer_id",
        "must exist in customers",
        1,
        id="orphan order",
    ),
    pytest.param(
        put("leads", 0, "customer_id", "C9"),
        "leads",
        "customer_id",
        "must exist in customers",
        1,
        id="orphan lead",
    ),
    pytest.param(
        put("leads", 1, "converted_at", "2023-12-27 10:00:00"),
        "leads",
        "converted_at",
        "must not be before created_at",
        1,
        id="early conversion",
    ),
    pytest.param(
        put("leads", 1, "mql_at", "2023-12-28 08:59:59"),
        "leads",
        "mql_at",
        "must not be before created_at",
        1,
        id="early mql",
    ),
    pytest.param(
        put("leads", 1, "sql_at", "2023-01-01"),
        "leads",
        "sql_at",
        "must not be before created_at",
        1,
        id="early sql",
    ),
    pytest.param(
        put("spend", 2, "week", "2024-01-02"),
        "spend",
        "week",
        "must be a Monday at 00:00",
        1,
        id="tuesday week",
    ),
    pytest.param(
        put("spend", 2, "week", "2024-01-01 09:00:00"),
        "spend",
        "week",
        "must be a Monday at 00:00",
        1,
        id="week with time",
    ),
    pytest.param(
        lambda tables: {**tables, "spend": tables["spend"].iloc[:0]},
        "spend",
        "*",
        "table is empty",
        0,
        id="empty spend",
    ),
    pytest.param(
        lambda tables: {**tables, "leads": tables["leads"].iloc[:0]},
        "leads",
        "*",
        "table is empty",
        0,
        id="empty leads",
    ),
    pytest.param(
        lambda tables: {k: v for k, v in tables.items() if k != "spend"},
        "spend",
        "*",
        "required table missing",
        0,
        id="missing table",
    ),
]


@pytest.mark.parametrize(("corrupt", "table", "column", "rule", "count"), CORRUPTIONS)
def test_each_broken_rule_is_reported(
    corrupt: Corruption, table: str, column: str, rule: str, count: int
) -> None:
    violation = only_violation(corrupt(valid_tables()))

    assert (violation.table, violation.column, violation.rule, violation.count) == (
        table,
        column,
        rule,
        count,
    )
    # A missing column has no values to show; every other rule shows its offending rows.
    shown = 0 if rule == "required column missing" else min(count, 5)
    assert len(violation.examples) == shown
    assert violation.message().startswith(f"{table}.{column}: {rule}")


def test_violation_names_the_offending_rows() -> None:
    tables = put("orders", 1, "revenue", "-5")(valid_tables())

    violation = only_violation(tables)

    assert violation.examples == [{"row": 2, "order_id": "O2", "revenue": -5.0}]
    assert violation.message() == (
        "orders.revenue: must be >= 0 (1 row), e.g. row 2: order_id=O2, revenue=-5.0"
    )


def test_unparseable_value_shows_the_raw_text() -> None:
    violation = only_violation(put("orders", 2, "revenue", "12,50")(valid_tables()))

    assert violation.examples == [{"row": 3, "order_id": "O3", "revenue": "12,50"}]


def test_duplicates_list_every_row_sharing_a_key() -> None:
    violation = only_violation(put("spend", 0, "channel", "display")(valid_tables()))

    assert violation.examples == [
        {"row": 1, "week": "2024-01-08", "channel": "display"},
        {"row": 4, "week": "2024-01-08", "channel": "display"},
    ]


def test_examples_stop_at_five() -> None:
    tables = valid_tables()
    orders = pd.concat([tables["orders"]] * 2, ignore_index=True)
    orders["order_id"] = [f"O{i}" for i in range(len(orders))]
    orders["revenue"] = "-1"
    tables["orders"] = orders

    violation = only_violation(tables)

    assert violation.count == 8
    assert [example["row"] for example in violation.examples] == [1, 2, 3, 4, 5]


def test_every_violation_is_collected_at_once() -> None:
    tables = put("spend", 3, "spend", "-10")(valid_tables())
    tables = put("orders", 2, "customer_id", "C9")(tables)
    tables = drop_column("customers", "acquired_at")(tables)

    error = contract_error(tables)

    found = {(found.table, found.column, found.rule) for found in error.violations}
    assert found == {
        ("customers", "acquired_at", "required column missing"),
        ("orders", "customer_id", "must exist in customers"),
        ("spend", "spend", "must be >= 0"),
    }
    assert str(error).splitlines() == [found.message() for found in error.violations]


def test_a_cell_is_not_reported_twice() -> None:
    # An unparseable value is not also reported as null, nor its row as out of order.
    tables = put("leads", 1, "converted_at", "soon")(valid_tables())

    violation = only_violation(tables)

    assert (violation.column, violation.rule) == ("converted_at", "not a valid datetime")


# --- files -----------------------------------------------------------------------------


def write_tables(directory: Path, tables: Tables, suffix: str = ".csv") -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        if suffix == ".csv":
            frame.to_csv(directory / f"{name}.csv", index=False)
        else:
            frame.to_parquet(directory / f"{name}.parquet", index=False)


def test_load_dataset_reads_csv(tmp_path: Path) -> None:
    write_tables(tmp_path, valid_tables())
    (tmp_path / "truth.json").write_text("{}")

    dataset = load_dataset(tmp_path)

    assert len(dataset.orders) == 4
    expected = validate_tables(valid_tables())
    pd.testing.assert_frame_equal(dataset.customers, expected.customers)


def test_typed_parquet_reads_the_same_as_csv(tmp_path: Path) -> None:
    expected = validate_tables(valid_tables())
    write_tables(tmp_path / "csv", valid_tables())
    write_tables(tmp_path / "parquet", expected.tables(), suffix=".parquet")

    from_csv, from_parquet = load_dataset(tmp_path / "csv"), load_dataset(tmp_path / "parquet")

    for name, frame in from_csv.tables().items():
        pd.testing.assert_frame_equal(from_parquet.tables()[name], frame)


def test_parquet_attributes_become_text(tmp_path: Path) -> None:
    tables = valid_tables()
    tables["leads"] = tables["leads"].assign(webinar_attended=[True, False, True, False])
    write_tables(tmp_path, tables, suffix=".parquet")

    leads = load_dataset(tmp_path).leads

    assert leads is not None
    assert leads["webinar_attended"].tolist() == ["False", "True", "True", "False"]


def test_read_table_keeps_csv_text(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("order_id,revenue\n007,1.50\n,NA\n")

    frame = read_table(path)

    assert frame["order_id"].tolist()[0] == "007" and frame["order_id"].isna().tolist()[1]
    assert frame["revenue"].tolist() == ["1.50", "NA"]


def test_na_markers_are_missing_only_in_typed_columns(tmp_path: Path) -> None:
    tables = set_cell(valid_tables(), "customers", 0, "region", "NA")
    tables = set_cell(tables, "leads", 0, "touches", "NA")
    tables = set_cell(tables, "leads", 1, "customer_id", "null")
    tables = set_cell(tables, "leads", 1, "converted_at", "NULL")
    write_tables(tmp_path, tables)

    dataset = load_dataset(tmp_path)

    assert dataset.leads is not None
    # "NA" is North America in a text column, but missing in a number, id or timestamp.
    assert dataset.customers["region"].tolist() == ["US", "EU", "NA"]
    assert dataset.leads["touches"].isna().sum() == 2
    assert dataset.leads["customer_id"].isna().all()
    assert dataset.leads["converted_at"].isna().all()


def test_na_marker_in_a_required_column_is_null() -> None:
    violation = only_violation(put("orders", 0, "revenue", "NA")(valid_tables()))

    assert (violation.column, violation.rule, violation.count) == ("revenue", "must not be null", 1)


def test_find_table_files_ignores_other_files(tmp_path: Path) -> None:
    write_tables(tmp_path, {k: v for k, v in valid_tables().items() if k != "leads"})
    (tmp_path / "notes.txt").write_text("hello")

    assert find_table_files(tmp_path) == {
        "customers": tmp_path / "customers.csv",
        "orders": tmp_path / "orders.csv",
        "spend": tmp_path / "spend.csv",
    }


def test_missing_and_ambiguous_files_are_all_reported(tmp_path: Path) -> None:
    tables = valid_tables()
    write_tables(tmp_path, {"customers": tables["customers"]})
    write_tables(tmp_path, {"customers": tables["customers"]}, suffix=".parquet")

    with pytest.raises(ContractError) as caught:
        load_dataset(tmp_path)

    found = {(found.table, found.column, found.rule) for found in caught.value.violations}
    assert found == {
        ("customers", "*", "both .csv and .parquet exist"),
        ("orders", "*", "required table missing"),
        ("spend", "*", "required table missing"),
    }


def test_missing_directory_is_a_contract_error(tmp_path: Path) -> None:
    with pytest.raises(ContractError, match="directory not found"):
        load_dataset(tmp_path / "nowhere")


def test_unreadable_file_is_a_contract_error(tmp_path: Path) -> None:
    write_tables(tmp_path, valid_tables())
    (tmp_path / "orders.csv").unlink()
    (tmp_path / "orders.parquet").write_bytes(b"not a parquet file")

    with pytest.raises(ContractError) as caught:
        load_dataset(tmp_path)

    [violation] = caught.value.violations
    assert (violation.table, violation.column, violation.rule) == (
        "orders",
        "*",
        "file cannot be read",
    )


# --- properties ------------------------------------------------------------------------

CHANNELS = ["paid_search", "display", "events", "organic"]
MONDAY = pd.Timestamp("2024-01-01")


@st.composite
def random_tables(draw: st.DrawFn) -> Tables:
    n_customers = draw(st.integers(1, 6))
    customers = pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(n_customers)],
            "acquired_at": [
                str(MONDAY + pd.Timedelta(hours=draw(st.integers(0, 2000))))
                for _ in range(n_customers)
            ],
            "acquisition_channel": draw(
                st.lists(st.sampled_from(CHANNELS), min_size=n_customers, max_size=n_customers)
            ),
        },
        dtype=str,
    )
    buyers = draw(st.lists(st.integers(0, n_customers - 1), min_size=1, max_size=10))
    revenue = st.floats(0, 10_000, allow_nan=False, allow_infinity=False)
    orders = pd.DataFrame(
        {
            "order_id": [f"O{i}" for i in range(len(buyers))],
            "customer_id": [f"C{i}" for i in buyers],
            "ordered_at": [
                str(MONDAY + pd.Timedelta(minutes=draw(st.integers(0, 90_000)))) for _ in buyers
            ],
            "revenue": [f"{draw(revenue):.2f}" for _ in buyers],
        },
        dtype=str,
    )
    cells = draw(
        st.sets(st.tuples(st.integers(0, 8), st.sampled_from(CHANNELS[:3])), min_size=1, max_size=8)
    )
    spend = pd.DataFrame(
        {
            "week": [(MONDAY + pd.Timedelta(weeks=week)).strftime("%Y-%m-%d") for week, _ in cells],
            "channel": [channel for _, channel in cells],
            "spend": [f"{draw(revenue):.2f}" for _ in cells],
        },
        dtype=str,
    )
    return {"customers": customers, "orders": orders, "spend": spend}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables=random_tables())
def test_random_valid_tables_pass(tables: Tables) -> None:
    dataset = validate_tables(tables)

    assert isinstance(dataset, Dataset)
    assert [len(frame) for frame in dataset.tables().values()] == [
        len(tables[name]) for name in ("customers", "orders", "spend")
    ]
    assert (dataset.orders["revenue"] >= 0).all()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables=random_tables(), data=st.data())
def test_one_negative_revenue_is_always_caught(tables: Tables, data: st.DataObject) -> None:
    row = data.draw(st.integers(0, len(tables["orders"]) - 1), label="row")
    amount = data.draw(st.floats(0.01, 1e6, allow_nan=False), label="amount")
    tables = set_cell(tables, "orders", row, "revenue", f"-{amount:.2f}")

    violation = only_violation(tables)

    assert (violation.table, violation.column, violation.rule, violation.count) == (
        "orders",
        "revenue",
        "must be >= 0",
        1,
    )
    assert violation.examples[0]["row"] == row + 1
