"""Stage prepare: deterministic typed Parquet, and a clean failure on a broken contract."""

from __future__ import annotations

import filecmp
import subprocess
import sys
from pathlib import Path

import pandas as pd
import yaml

from features.contract import load_dataset
from models.simulation.export import write_world
from pipelines.prepare import write_prepared

ROOT = Path(__file__).resolve().parents[2]


def _params(tmp_path: Path, data_dir: Path) -> Path:
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["data"]["dir"] = str(data_dir)
    for key in params["paths"]:
        params["paths"][key] = str(tmp_path / key)
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(params))
    return path


def test_same_seed_gives_byte_identical_prepared_tables(tmp_path: Path) -> None:
    for run in ("a", "b"):
        write_world(tmp_path / run / "raw", 21, "small")
        write_prepared(load_dataset(tmp_path / run / "raw"), tmp_path / run / "prepared")
    names = ["customers.parquet", "orders.parquet", "spend.parquet", "leads.parquet"]
    match, mismatch, errors = filecmp.cmpfiles(
        tmp_path / "a" / "prepared", tmp_path / "b" / "prepared", names, shallow=False)
    assert match == names and not mismatch and not errors


def test_prepared_tables_are_typed(tmp_path: Path) -> None:
    write_world(tmp_path / "raw", 21, "small")
    write_prepared(load_dataset(tmp_path / "raw"), tmp_path / "prepared")
    orders = pd.read_parquet(tmp_path / "prepared" / "orders.parquet")
    assert pd.api.types.is_datetime64_any_dtype(orders["ordered_at"])
    assert orders["revenue"].dtype == "float64"
    assert pd.api.types.is_string_dtype(orders["customer_id"])


def test_prepare_stage_rejects_bad_data_and_writes_nothing(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_world(raw, 21, "small")
    orders = pd.read_csv(raw / "orders.csv")
    orders.loc[3, "revenue"] = -10.0
    orders.to_csv(raw / "orders.csv", index=False)
    params = _params(tmp_path, raw)
    done = subprocess.run([sys.executable, "-m", "pipelines.prepare", "--params", str(params)],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 1
    assert "orders" in done.stderr and "revenue" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "prepared").exists()


def _prepare(tmp_path: Path, raw: Path, run: str, engine: str, buckets: int = 4) -> Path:
    (tmp_path / run).mkdir(exist_ok=True)
    params = yaml.safe_load(_params(tmp_path / run, raw).read_text())
    params["engine"], params["dask"]["buckets"] = engine, buckets
    path = tmp_path / run / "params.yaml"
    path.write_text(yaml.safe_dump(params))
    subprocess.run([sys.executable, "-m", "pipelines.prepare", "--params", str(path)],
                   check=True, cwd=ROOT)
    return tmp_path / run / "prepared"


def test_engine_dask_adds_buckets_and_leaves_the_flat_tables_byte_identical(
        tmp_path: Path) -> None:
    write_world(tmp_path / "raw", 21, "small")
    local = _prepare(tmp_path, tmp_path / "raw", "local", "local")
    dask = _prepare(tmp_path, tmp_path / "raw", "dask", "dask")
    names = ["customers.parquet", "orders.parquet", "spend.parquet", "leads.parquet"]
    match, mismatch, errors = filecmp.cmpfiles(local, dask, names, shallow=False)
    assert match == names and not mismatch and not errors
    assert sorted(p.name for p in local.iterdir()) == sorted(names)  # no buckets under local
    assert sorted(p.name for p in (dask / "buckets").iterdir()) == ["customers", "leads",
                                                                   "orders"]
    assert [p.name for p in sorted((dask / "buckets" / "orders").iterdir())] == [
        "bucket=000.parquet", "bucket=001.parquet", "bucket=002.parquet", "bucket=003.parquet"]


def _buckets(prepared: Path, table: str) -> list[pd.DataFrame]:
    return [pd.read_parquet(path) for path in sorted((prepared / "buckets" / table).iterdir())]


def test_the_buckets_hold_the_flat_rows_in_their_order_each_customer_in_one_bucket(
        tmp_path: Path) -> None:
    write_world(tmp_path / "raw", 21, "small")
    prepared = _prepare(tmp_path, tmp_path / "raw", "dask", "dask", buckets=3)
    owner: dict[str, dict[str, int]] = {}
    for table, key, row_id in [("orders", "customer_id", "order_id"),
                               ("customers", "customer_id", "customer_id"),
                               ("leads", "lead_id", "lead_id")]:
        flat, parts = pd.read_parquet(prepared / f"{table}.parquet"), _buckets(prepared, table)
        stacked = pd.concat(parts, ignore_index=True)
        pd.testing.assert_frame_equal(
            stacked.sort_values(row_id, ignore_index=True),
            flat.sort_values(row_id, ignore_index=True))
        position = pd.Series(range(len(flat)), index=flat[row_id])
        for part in parts:  # stable: a bucket keeps the flat table's row order
            assert position[part[row_id]].is_monotonic_increasing
        owner[table] = {k: i for i, part in enumerate(parts) for k in part[key]}
        assert len(owner[table]) == flat[key].nunique()  # each key in exactly one bucket
    assert all(owner["customers"][c] == b for c, b in owner["orders"].items())
    leads = pd.concat(_buckets(prepared, "leads"))
    assert "customer_id" in leads.columns and leads["customer_id"].notna().any()


def test_engine_local_removes_the_buckets_of_an_earlier_dask_run(tmp_path: Path) -> None:
    write_world(tmp_path / "raw", 21, "small")
    prepared = _prepare(tmp_path, tmp_path / "raw", "run", "dask")
    assert (prepared / "buckets").is_dir()
    _prepare(tmp_path, tmp_path / "raw", "run", "local")
    assert not (prepared / "buckets").exists()
