"""The PostgreSQL reader: URL parsing and masking, and a real server read like CSV files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from features.contract import load_dataset, read_table
from features.contract_errors import ContractError
from features.warehouse import (
    WarehouseError,
    canonical_order,
    content_hash,
    is_warehouse_url,
    load_warehouse,
    mask_secret,
    parse_warehouse_url,
    read_warehouse_tables,
    with_password,
)
from models.simulation.export import write_world
from tests.postgres import PASSWORD, PostgresServer, load_tables, typed_for_warehouse


def test_parse_url_defaults_and_masking() -> None:
    url = parse_warehouse_url("postgresql://ana:p%40ss@db.local/crm")
    assert (url.user, url.host, url.port, url.database, url.schema) == (
        "ana", "db.local", 5432, "crm", "public")
    assert url.password == "p@ss"
    assert "p@ss" not in repr(url) and "p%40ss" not in url.masked
    assert url.masked == "postgresql://ana:***@db.local:5432/crm?schema=public"
    assert "p%40ss" in url.libpq_uri()


def test_parse_url_errors_mask_the_password() -> None:
    with pytest.raises(WarehouseError) as caught:
        parse_warehouse_url("postgresql://ana:hunter2@db.local:port/crm")
    assert "hunter2" not in str(caught.value)
    with pytest.raises(WarehouseError, match="no user"):
        parse_warehouse_url("postgresql://db.local/crm")
    with pytest.raises(WarehouseError, match="expected postgresql://"):
        parse_warehouse_url("postgresql://ana@db.local")


def test_url_or_directory() -> None:
    assert is_warehouse_url("postgresql://a@h/d") and is_warehouse_url("postgres://a@h/d")
    assert not is_warehouse_url("data/simulated") and not is_warehouse_url("postgresql")


def test_with_password_keeps_the_urls_own() -> None:
    url = parse_warehouse_url("postgresql://a:own@h/d?schema=s")
    assert with_password(url, "env").password == "own"
    assert with_password(parse_warehouse_url("postgresql://a@h/d"), "env").password == "env"
    assert mask_secret("x own y", "own") == "x *** y"


def test_canonical_order_ignores_row_order_and_the_hash_sees_values() -> None:
    frame = pd.DataFrame({"order_id": ["O2", "O1", "O3"], "ordered_at": ["b", "a", "a"],
                          "revenue": [2.0, 1.0, 3.0]})
    shuffled = frame.iloc[[2, 0, 1]].reset_index(drop=True)
    first, second = canonical_order("orders", frame), canonical_order("orders", shuffled)
    pd.testing.assert_frame_equal(first, second)
    assert list(first["order_id"]) == ["O1", "O3", "O2"]  # ordered_at, then order_id
    assert content_hash(first) == content_hash(second)
    assert content_hash(first) != content_hash(first.assign(revenue=[1.0, 3.0, 2.5]))


@pytest.fixture(scope="module")
def world(postgres_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small simulated world as CSV files, and as typed tables in schema ``world``."""
    directory = tmp_path_factory.mktemp("world")
    write_world(directory, 11, "small")
    frames = {name: typed_for_warehouse(read_table(directory / f"{name}.csv"))
              for name in ("customers", "orders", "spend", "leads")}
    load_tables(postgres_server, "world", frames)
    return directory


def test_prepared_tables_equal_those_from_the_csv_copy(
    postgres_server: PostgresServer, world: Path
) -> None:
    url = with_password(parse_warehouse_url(postgres_server.url("world")), PASSWORD)
    from_csv, from_postgres = load_dataset(world), load_warehouse(url)
    for name, frame in from_csv.tables().items():
        pd.testing.assert_frame_equal(from_postgres.tables()[name], frame, obj=name)


def tiny_tables() -> dict[str, pd.DataFrame]:
    return {
        "customers": pd.DataFrame({"customer_id": ["C1", "C2"],
                                   "acquired_at": ["2024-01-01 10:00:00", "2024-01-09 08:00:00"],
                                   "acquisition_channel": ["search", "organic"]}),
        "orders": pd.DataFrame({"order_id": ["O1", "O2", "O2", "O4"],
                                "customer_id": ["C1", "C2", "C1", "C9"],
                                "ordered_at": ["2024-01-01 10:00:00"] * 4,
                                "revenue": ["120.5", "-5", "35.25", "1"]}),
        "spend": pd.DataFrame({"week": ["2024-01-01", "2024-01-03"],
                               "channel": ["search", "search"], "spend": ["100", "50"]}),
    }


def contract_messages(read: object) -> list[str]:
    with pytest.raises(ContractError) as caught:
        read()  # type: ignore[operator]
    return [violation.message() for violation in caught.value.violations]


@pytest.mark.parametrize("broken", ["corrupt", "missing_column"])
def test_a_broken_table_gives_the_csv_messages(
    postgres_server: PostgresServer, tmp_path: Path, broken: str
) -> None:
    frames = tiny_tables()
    if broken == "missing_column":
        frames["customers"] = frames["customers"].drop(columns="acquired_at")
    for name, frame in frames.items():
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    load_tables(postgres_server, broken, {n: typed_for_warehouse(f) for n, f in frames.items()})
    url = with_password(parse_warehouse_url(postgres_server.url(broken)), PASSWORD)
    from_csv = contract_messages(lambda: load_dataset(tmp_path))
    assert len(from_csv) >= 2
    assert contract_messages(lambda: load_warehouse(url)) == from_csv


def test_missing_table_and_queries(postgres_server: PostgresServer) -> None:
    frames = tiny_tables()
    load_tables(postgres_server, "partial", {"customers": frames["customers"]})
    url = with_password(parse_warehouse_url(postgres_server.url("partial")), PASSWORD)
    messages = contract_messages(lambda: read_warehouse_tables(url))
    assert messages == ["orders.*: required table missing, e.g. table=partial.orders",
                        "spend.*: required table missing, e.g. table=partial.spend"]
    queries = {"orders": "SELECT 'O1' AS order_id, 'C1' AS customer_id, "
                         "TIMESTAMP '2024-01-02' AS ordered_at, 10.5::numeric AS revenue",
               "spend": "SELECT DATE '2024-01-01' AS week, 'search' AS channel, 3 AS spend"}
    dataset = load_warehouse(url, queries)
    assert dataset.orders["revenue"].tolist() == [10.5]
    assert dataset.spend["week"].tolist() == [pd.Timestamp("2024-01-01")]
    with pytest.raises(WarehouseError, match="the query for table orders failed"):
        read_warehouse_tables(url, {**queries, "orders": "SELECT * FROM nowhere"})


def test_bad_password_and_refused_connection_are_one_masked_line(
    postgres_server: PostgresServer,
) -> None:
    wrong = with_password(parse_warehouse_url(postgres_server.url()), "not-the-password")
    with pytest.raises(WarehouseError) as caught:
        read_warehouse_tables(wrong)
    message = str(caught.value)
    assert "password authentication failed" in message and "\n" not in message
    assert "not-the-password" not in message and message.startswith("cannot connect: ")
    refused = parse_warehouse_url(f"postgresql://u:{PASSWORD}@127.0.0.1:1/d")
    with pytest.raises(WarehouseError, match="Connection refused") as caught:
        read_warehouse_tables(refused)
    assert PASSWORD not in str(caught.value)
