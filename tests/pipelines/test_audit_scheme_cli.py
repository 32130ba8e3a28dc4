"""``channelwise audit-scheme`` on another export: three schemes audited, bad files refused."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from models.incentives.audit import AUDIT_COLUMNS
from models.simulation.export import write_world
from pipelines.cli import app

ROOT = Path(__file__).resolve().parents[2]
CHEAP = {"n_bootstrap": 50, "n_cv_repeats": 1, "n_estimators": 60}


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("audit")
    write_world(root / "data", 3, "small")
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["kpi_weights"] |= {k: v for k, v in CHEAP.items() if k in params["kpi_weights"]}
    (root / "params.yaml").write_text(yaml.safe_dump(params))
    (root / "mine.yaml").write_text(yaml.safe_dump(
        {"name": "activity", "weights": {"activity_per_lead": 1}}))
    return root


def run(root: Path, scheme: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, [
        "audit-scheme", "--scheme", str(root / scheme), "--data", str(root / "data"),
        "--out", str(root / "out"), "--params", str(root / "params.yaml")])
    return result.exit_code, result.output


def test_audits_the_given_the_suggested_and_the_volume_scheme(export: Path) -> None:
    code, output = run(export, "mine.yaml")
    assert code == 0, output
    table = pd.read_csv(export / "out" / "scheme_audit.csv")
    assert tuple(table.columns) == AUDIT_COLUMNS
    assert len(table) == 3 and "activity" in set(table["scheme"])
    assert table["scheme"].str.startswith("suggested").any()
    inside = (table["rank_correlation_low"] <= table["rank_correlation"]) & (
        table["rank_correlation"] <= table["rank_correlation_high"])
    assert inside.all()
    # the pure-activity scheme is gamed the most: inflating activity is all it rewards
    assert table.set_index("scheme").loc["activity", "gaming_gain"] == table["gaming_gain"].max()
    assert "activity: " in output  # one line of verdict per scheme


@pytest.mark.parametrize(("content", "message"), [
    ({"weights": {"clicks": 1}}, "weights.clicks"),
    ({"weights": {"leads": -2}}, "'leads'"),
    ({"name": "no weights"}, "'weights'"),
])
def test_a_bad_scheme_is_one_line_naming_file_and_key(export: Path, content: dict,
                                                      message: str) -> None:
    (export / "bad.yaml").write_text(yaml.safe_dump(content))
    code, output = run(export, "bad.yaml")
    assert code == 1 and message in output and "bad.yaml" in output
    assert "Traceback" not in output
