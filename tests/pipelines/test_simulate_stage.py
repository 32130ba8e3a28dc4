"""Stage ``simulate``: its params and the format of the tables it writes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from pipelines import simulate
from pipelines.params import ParamsError
from pipelines.params.simulate import TableFormat, parse_simulate


def test_format_defaults_to_csv_and_takes_parquet() -> None:
    assert parse_simulate({}).format is TableFormat.CSV
    assert parse_simulate({"format": "parquet"}).format is TableFormat.PARQUET


def test_an_unknown_format_names_the_key_and_the_choices() -> None:
    with pytest.raises(ParamsError, match=r"simulate\.format='xlsx' must be one of csv \| parquet"):
        parse_simulate({"format": "xlsx"})


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_the_stage_writes_the_tables_in_the_chosen_format(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    params = yaml.safe_load(Path("params.yaml").read_text())
    params["simulate"] |= {"scale": "small", "format": fmt}
    params["paths"]["simulated"] = str(tmp_path / "world")
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    monkeypatch.setattr("sys.argv", ["simulate", "--params", str(tmp_path / "params.yaml")])
    simulate.main()
    written = sorted(p.name for p in (tmp_path / "world").iterdir())
    assert written == sorted([f"{t}.{fmt}" for t in ("customers", "leads", "orders", "spend")]
                             + ["truth.json"])
    reader = pd.read_csv if fmt == "csv" else pd.read_parquet
    assert len(reader(tmp_path / "world" / f"leads.{fmt}")) > 0
