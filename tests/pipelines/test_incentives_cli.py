"""``channelwise incentives``: a payout per team from a plan file, and clear bad-input errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from pipelines.cli import app

PLAN = {"name": "test plan", "scheme": "suggested", "base": 1000, "variable": 100,
        "shares": {"kpi": 0.8, "admin": 0.2}, "floor": 0.5, "cap": 1.5,
        "tiers": [{"kpi": "revenue", "above": 1.2, "rate": 0.1}]}


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    pd.DataFrame({"kpi": ["revenue", "leads", "cac"], "weight": [0.75, 0.0, 0.25],
                  "direction": ["higher_is_better", "higher_is_better", "lower_is_better"]}
                 ).to_csv(tmp_path / "weights.csv", index=False)
    pd.DataFrame({"team": ["<b>north</b>", "south"], "month": ["2025-11-01"] * 2,
                  "revenue": [130.0, 50.0], "revenue_target": [100.0, 100.0],
                  "cac": [50.0, 100.0], "cac_target": [100.0, 100.0]}
                 ).to_csv(tmp_path / "scorecard.csv", index=False)
    return tmp_path


def run(project: Path, plan: dict) -> tuple[int, str]:
    (project / "plan.yaml").write_text(yaml.safe_dump(plan))
    result = CliRunner().invoke(app, [
        "incentives", "--plan", str(project / "plan.yaml"), "--out", str(project / "out"),
        "--scorecard", str(project / "scorecard.csv"), "--weights", str(project / "weights.csv"),
        "--prepared", str(project / "none"), "--predictions", str(project / "none.parquet"),
        "--staff-credit", str(project / "staff_credit.csv")])
    return result.exit_code, result.output


def test_writes_one_row_per_team_with_the_pay_worked_out(project: Path) -> None:
    code, output = run(project, PLAN)
    assert code == 0, output
    table = pd.read_csv(project / "out" / "incentives.csv").set_index("name")
    assert set(table["level"]) == {"team"}  # no referral rates in the plan: teams only
    # north: revenue 1.3 (w 0.75), cac 100/50 = 2.0 (w 0.25): attainment 1.475;
    # variable 100 x (0.8 x 1.475 + 0.2) = 138; tier 0.1 x (130 - 120) = 1; total 1139
    north = table.loc["<b>north</b>"]
    assert north["attainment"] == pytest.approx(1.475, abs=0.005)
    assert north["total"] == pytest.approx(1139.0, abs=0.01)
    # south: revenue 0.5, cac 1.0: 0.625 -> 100 x (0.8 x 0.625 + 0.2) = 70; total 1070
    assert table.loc["south", "total"] == pytest.approx(1070.0, abs=0.01)
    assert "Wrote" in output


@pytest.mark.parametrize(("change", "message"), [
    ({"shares": {"kpi": 0.8, "admin": 0.3}}, "must sum to 1"),
    ({"tiers": [{"kpi": "clicks", "above": 1.2, "rate": 0.1}]}, "tiers[0]"),
    ({"scheme": "missing-scheme.yaml"}, "missing-scheme.yaml"),
])
def test_a_bad_plan_is_one_line_naming_the_file(project: Path, change: dict,
                                                message: str) -> None:
    code, output = run(project, PLAN | change)
    assert code == 1
    assert message in output and "Traceback" not in output


def test_a_scheme_file_with_an_unknown_kpi_names_the_key(project: Path) -> None:
    (project / "scheme.yaml").write_text(yaml.safe_dump({"weights": {"clicks": 1}}))
    code, output = run(project, PLAN | {"scheme": "scheme.yaml"})
    assert code == 1 and "weights.clicks" in output


def test_without_a_scorecard_it_names_the_stage_to_run(project: Path) -> None:
    (project / "scorecard.csv").unlink()
    code, output = run(project, PLAN)
    assert code == 1 and "dvc repro kpi_weights" in output


def test_referral_rates_pay_each_staff_member(project: Path) -> None:
    pd.DataFrame({"staff_id": ["S1", "S2"], "department": ["engineering", "support"],
                  "role": ["developer", "agent"], "referred_leads": [40, 12],
                  "converted": [5, 1], "open_leads": [4, 2], "direct_value": [10000.0, 2000.0],
                  "support_value": [800.0, 300.0], "expected_value": [9000.0, 2100.0]}
                 ).to_csv(project / "staff_credit.csv", index=False)
    code, output = run(project, PLAN | {"referral": {"direct_rate": 0.05, "support_rate": 0.01}})
    assert code == 0, output
    table = pd.read_csv(project / "out" / "incentives.csv")
    staff = table[table["level"] == "staff"].set_index("name")
    # S1: 0.05 x 10,000 + 0.01 x 800 = 508; S2: 0.05 x 2,000 + 0.01 x 300 = 103
    assert staff.loc["S1", "total"] == pytest.approx(508.0)
    assert staff.loc["S2", "total"] == pytest.approx(103.0)
    assert "Referral rewards for 2 staff members" in output


def test_support_paying_more_than_a_deal_is_refused(project: Path) -> None:
    code, output = run(project, PLAN | {"referral": {"direct_rate": 0.01, "support_rate": 0.05}})
    assert code == 1 and "support_rate" in output
