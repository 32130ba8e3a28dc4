"""`channelwise report`: the page from whatever outputs exist, clear errors, --open."""

from __future__ import annotations

import hashlib
import webbrowser
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from pipelines.cli import app

ROOT = Path(__file__).resolve().parents[2]
EVIL = "<script>alert(1)</script>"


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["paths"] = {key: str(tmp_path / value) for key, value in params["paths"].items()}
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    reports = tmp_path / params["paths"]["reports"]
    reports.mkdir(parents=True)
    pd.DataFrame({"channel": [EVIL, "NaN"], "customers": [3, 4], "cltv_mean": [10.0, 20.0],
                  "cltv_p10": [5.0, 15.0], "cltv_p90": [15.0, 25.0], "cac": [2.0, None],
                  "cltv_to_cac": [5.0, None]}).to_csv(reports / "cltv_by_channel.csv",
                                                      index=False)
    return tmp_path


def test_report_renders_the_outputs_that_exist(project: Path) -> None:
    result = CliRunner().invoke(app, ["report", "--params", str(project / "params.yaml")])
    assert result.exit_code == 0, result.output
    page = (project / "reports" / "index.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script" not in page
    assert ">NaN<" in page  # a channel named NaN stays a name
    assert "not produced by this run" in page  # no plan, no leads, no KPI weights here
    digest = hashlib.sha256((project / "params.yaml").read_bytes()).hexdigest()
    assert digest in page


def test_report_open_opens_the_file_url(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url: opened.append(url))
    result = CliRunner().invoke(app, ["report", "--open", "--params",
                                      str(project / "params.yaml")])
    assert result.exit_code == 0, result.output
    assert opened == [(project / "reports" / "index.html").resolve().as_uri()]


def test_report_errors_are_one_clear_message(project: Path) -> None:
    missing = CliRunner().invoke(app, ["report", "--params", str(project / "nope.yaml")])
    assert missing.exit_code == 1
    assert "nope.yaml" in missing.output and "Traceback" not in missing.output
    (project / "metrics").mkdir()
    (project / "metrics" / "cltv.json").write_text("{not json")
    broken = CliRunner().invoke(app, ["report", "--params", str(project / "params.yaml")])
    assert broken.exit_code == 1
    assert "cannot read" in broken.output and "cltv.json" in broken.output


def test_report_help_has_an_example() -> None:
    result = CliRunner().invoke(app, ["report", "--help"])
    assert result.exit_code == 0 and "channelwise report --open" in result.output
