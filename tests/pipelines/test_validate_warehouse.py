"""``channelwise validate postgresql://...`` against a real server: checks, messages, secrets."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.credentials import read_dotenv, warehouse_url
from tests.pipelines.test_validate_cli import tables
from tests.postgres import PASSWORD, PostgresServer, load_tables, typed_for_warehouse

RUNNER = CliRunner()


@pytest.fixture(scope="module")
def schemas(postgres_server: PostgresServer) -> PostgresServer:
    good = {name: typed_for_warehouse(frame) for name, frame in tables().items()}
    load_tables(postgres_server, "good", good)
    bad = dict(good)
    bad["orders"] = good["orders"].assign(revenue=[120.5, -80.0, 35.25])
    load_tables(postgres_server, "bad", bad)
    return postgres_server


def invoke(args: list[str], password: str | None = PASSWORD) -> tuple[int, str]:
    env = {"PGPASSWORD": password or "", "COLUMNS": "250"}
    result = RUNNER.invoke(app, args, env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.output


def test_a_good_schema_holds(schemas: PostgresServer) -> None:
    code, output = invoke(["validate", schemas.url("good")])
    assert code == 0, output
    assert "the data contract holds" in output and "paid_search" in output


def test_a_corrupted_table_reads_as_for_csv(schemas: PostgresServer, tmp_path: Path) -> None:
    for name, frame in tables().items():
        frame = frame.assign(revenue=[120.5, -80.0, 35.25]) if name == "orders" else frame
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    csv_code, csv_output = invoke(["validate", str(tmp_path)])
    code, output = invoke(["validate", schemas.url("bad")])
    assert code == csv_code == 1
    assert "must be >= 0" in output
    table = output.split("Data contract violations", 1)[1].rsplit("data contract violation", 1)
    csv_table = csv_output.split("Data contract violations", 1)[1].rsplit(
        "data contract violation", 1)
    assert table[0].rsplit("\n", 2)[0] == csv_table[0].rsplit("\n", 2)[0]


def test_a_wrong_password_is_one_line_without_the_password(schemas: PostgresServer) -> None:
    code, output = invoke(["validate", schemas.url("good")], password="Wr0ng-Secret")
    assert code == 1
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1 and "password authentication failed" in lines[0], output
    assert "Wr0ng-Secret" not in output and "Traceback" not in output
    code, output = invoke(["validate", schemas.url("good").replace("channelwise@",
                                                                  "channelwise:Wr0ng-Secret@")])
    assert code == 1 and "Wr0ng-Secret" not in output and ":***@" in output


def test_a_refused_connection_and_a_missing_table(schemas: PostgresServer) -> None:
    code, output = invoke(["validate", "postgresql://channelwise@127.0.0.1:1/x"])
    assert code == 1 and "Connection refused" in output and "Traceback" not in output
    code, output = invoke(["validate", schemas.url("nowhere")])
    assert code == 1 and "required table missing" in output and PASSWORD not in output


def test_password_from_dotenv_only_when_the_environment_has_none(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("# secrets\nexport PGPASSWORD='from file'\nOTHER=1\n")
    assert read_dotenv(dotenv) == {"PGPASSWORD": "from file", "OTHER": "1"}
    url = "postgresql://u@h/d"
    assert warehouse_url(url, {}, dotenv).password == "from file"
    assert warehouse_url(url, {"PGPASSWORD": "env"}, dotenv).password == "env"
    assert warehouse_url(url, {}, tmp_path / "absent").password is None
