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
