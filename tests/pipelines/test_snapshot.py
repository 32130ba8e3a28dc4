"""Stage ``snapshot``: warehouse tables to Parquet with a content hash, byte-identical reruns."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from features.contract import load_dataset
from features.warehouse import parse_warehouse_url, with_password
from pipelines import snapshot
from pipelines.credentials import load_source
from pipelines.params import ParamsError, load_params
from tests.pipelines.test_validate_cli import tables
from tests.postgres import PASSWORD, PostgresServer, execute, load_tables, typed_for_warehouse

ROOT = Path(__file__).resolve().parents[2]


def write_params(directory: Path, uri: str | None) -> Path:
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["data"] = {"dir": str(directory / "snapshot"), "uri": uri, "queries": {}}
    params["paths"] = {key: str(directory / key) for key in params["paths"]}
    path = directory / "params.yaml"
    path.write_text(yaml.safe_dump(params))
    return path


def run_stage(params: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(sys, "argv", ["snapshot", "--params", str(params)])
    return snapshot.main()


def test_snapshot_is_the_warehouse_and_changes_only_with_its_data(
    postgres_server: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_tables(postgres_server, "snap", {n: typed_for_warehouse(f) for n, f in tables().items()})
    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    params = write_params(tmp_path, postgres_server.url("snap"))
    assert run_stage(params, monkeypatch) == 0
    out = tmp_path / "snapshot"
    files = {path.name: path.read_bytes() for path in sorted(out.iterdir())}
    assert set(files) == {"customers.parquet", "orders.parquet", "spend.parquet",
                          "leads.parquet", "snapshot.json"}
    url = with_password(parse_warehouse_url(postgres_server.url("snap")), PASSWORD)
    for name, frame in load_source(url).tables().items():
        pd.testing.assert_frame_equal(load_dataset(out).tables()[name], frame, obj=name)
    assert PASSWORD not in files["snapshot.json"].decode()
    # the same data in another row order: the same bytes
    execute(postgres_server, 'CREATE TABLE snap.o2 AS SELECT * FROM snap.orders '
            'ORDER BY order_id DESC', "DROP TABLE snap.orders",
            "ALTER TABLE snap.o2 RENAME TO orders")
    assert run_stage(params, monkeypatch) == 0
    assert {path.name: path.read_bytes() for path in sorted(out.iterdir())} == files
    execute(postgres_server, "UPDATE snap.orders SET revenue = revenue + 1 WHERE order_id = 'O1'")
    assert run_stage(params, monkeypatch) == 0
    changed = {path.name for path in out.iterdir() if path.read_bytes() != files[path.name]}
    assert changed == {"orders.parquet", "snapshot.json"}


def test_a_password_in_params_is_an_error_that_does_not_echo_it(tmp_path: Path) -> None:
    params = write_params(tmp_path, "postgresql://u:Hunter2@db:5432/crm?schema=s")
    with pytest.raises(ParamsError) as caught:
        load_params(params)
    assert "PGPASSWORD" in str(caught.value) and "Hunter2" not in str(caught.value)


def test_without_a_uri_the_manifest_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    params = write_params(tmp_path, None)
    (tmp_path / "snapshot").mkdir()
    (tmp_path / "snapshot" / "orders.parquet").write_bytes(b"left by an earlier uri")
    assert run_stage(params, monkeypatch) == 0
    assert [path.name for path in (tmp_path / "snapshot").iterdir()] == ["snapshot.json"]
    assert (tmp_path / "snapshot" / "snapshot.json").read_text().count('"source": null') == 1


def test_a_failing_warehouse_is_one_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PGPASSWORD", "Not-It-42")
    params = write_params(tmp_path, "postgresql://u@127.0.0.1:1/crm")
    assert run_stage(params, monkeypatch) == 1
    error = capsys.readouterr().err
    assert "Connection refused" in error and "Not-It-42" not in error
