from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from models.report.sections import truth_html
from models.simulation.truth import score_plans


def test_a_plan_at_another_budget_is_not_scored_against_the_oracle() -> None:
    inputs = SimpleNamespace(current=np.array([100.0, 300.0]), channels=["a", "b"])
    out = score_plans({}, inputs, {"a": 250.0, "b": 250.0})  # type: ignore[arg-type]
    assert set(out) == {"skipped"}
    assert "500.00" in out["skipped"] and "400.00" in out["skipped"]


def test_the_report_says_why_the_truth_check_was_skipped() -> None:
    html = truth_html({"truth": {"skipped": "the plan's weekly budget (500.00) differs"}})
    assert "Not checked" in html and "500.00" in html and "<table" not in html
