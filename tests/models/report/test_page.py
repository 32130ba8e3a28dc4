"""The report page: escaping, stable sections, notes for missing outputs, derived numbers."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from models.figures import new_figure, png_bytes
from models.report.data import (
    find_run_id,
    parse_reason,
    plan_uplift,
    reason_counts,
    response_grid,
    total_uplift,
)
from models.report.html import interval, number, percent, table_html, with_band
from models.report.page import SECTIONS, ReportInputs, render_report
from models.report.sections import leads_section, plan_section
from models.response.model import ChannelCurve
from models.response.uncertainty import CurveSet, curves_to_dict

EVIL = "<script>alert(1)</script>"
SECTION_IDS = [section_id for section_id, _ in SECTIONS]
STORED_FIGURES = ("explain/cltv_new_customer_waterfalls.png", "explain/conversion_bar.png",
                  "kpi_shap_summary.png")


def _curve(name: str, top: float = 10.0) -> ChannelCurve:
    return ChannelCurve(channel=name, paid=True, base=0.0, max_response=top,
                        half_saturation=100.0, shape=1.0)


def _inputs() -> ReportInputs:
    channels = [EVIL, "search"]
    curves = CurveSet("leads", [_curve(EVIL), _curve("search", 20.0)],
                      [[_curve(EVIL, 8.0), _curve("search", 16.0)],
                       [_curve(EVIL, 12.0), _curve("search", 24.0)]])
    allocation = pd.DataFrame({
        "channel": channels, "current_weekly_spend": [100.0, 100.0],
        "recommended_weekly_spend": [300.0, 50.0], "change_pct": [200.0, -50.0],
        "lower_bound": [0.0, 50.0], "upper_bound": [1000.0, 1000.0],
        "expected_response": [7.5, 20 / 3], "value_per_unit": [2.0, 1.0],
        "expected_value": [15.0, 20 / 3], "marginal_roi": [0.01, 0.02],
        "binding": ["none", "min"], "expected_value_p10": [12.0, 5.0],
        "expected_value_p90": [18.0, 8.0]})
    frontier = pd.DataFrame({"weekly_budget": [200.0, 350.0, 500.0],
                             "expected_value": [15.0, 21.7, 26.0],
                             f"spend_{EVIL}": [150.0, 300.0, 420.0],
                             "spend_search": [50.0, 50.0, 80.0]})
    cltv = pd.DataFrame({"channel": [EVIL, "organic"], "customers": [10, 20],
                         "cltv_mean": [1500.0, 900.0], "cltv_p10": [1200.0, 800.0],
                         "cltv_p90": [1800.0, 1000.0], "cac": [300.0, np.nan],
                         "cltv_to_cac": [5.0, np.nan]})
    model = {"roc_auc": 0.75, "pr_auc": 0.4, "log_loss": 0.35, "ece": 0.02, "rows": 500}
    leads = pd.DataFrame({"lead_id": ["L1", "L2"], "p_convert": [0.3, 0.1],
                          "expected_value": [450.0, 90.0],
                          "reason_1": [f"channel={EVIL} (+0.80)", "score=12 (-0.40)"],
                          "reason_2": ["score=88 (+0.20)", f"channel={EVIL} (+0.10)"],
                          "reason_3": ["", ""]})
    weights = pd.DataFrame({"kpi": ["retention", EVIL], "weight": [0.7, 0.3],
                            "weight_low": [0.5, 0.1], "weight_high": [0.9, 0.4],
                            "direction": ["higher_is_better", "lower_is_better"],
                            "rationale": ["kept", f"because {EVIL}"]})
    profiles = pd.DataFrame({"kpi": ["retention", EVIL], "balanced": [0.7, 0.3],
                             "growth": [0.5, 0.5], "profit": [0.8, 0.2]})
    card = pd.DataFrame({"team": [EVIL], "month": ["2025-11-01"], "score": [70.0], "rank": [1],
                         "retention": [0.8], "retention_score": [60.0],
                         "retention_target": [0.85], EVIL: [3.0], f"{EVIL}_score": [40.0],
                         f"{EVIL}_target": [2.5]})
    return ReportInputs(
        title=f"report {EVIL}", params_hash="ab" * 32, allocation=allocation,
        frontier=frontier,
        curves=curves_to_dict(curves, {"history_cap": {EVIL: 800.0, "search": 900.0},
                                       "window": ["2024-01-01", "2025-12-29"]}),
        allocation_metrics={"expected_value": 21.67, "current_value": 15.0,
                            "p_plan_beats_current": 0.9, "certificate_gap": 1e-4},
        response_metrics={"response_unit": "leads",
                          "channels": {EVIL: {"r2": 0.5, "holdout_mape": 0.2}}},
        cltv_by_channel=cltv, cltv_metrics={"as_of": "2025-12-29", "mlflow_run_id": EVIL},
        conversion_metrics={"model": model, "baseline": {**model, "roc_auc": 0.7}},
        reliability=pd.DataFrame({"mean_predicted": [0.1, 0.3], "observed_rate": [0.12, 0.28],
                                  "count": [30, 10]}),
        gain=pd.DataFrame({"fraction_contacted": [0.0, 0.5, 1.0], "model": [0.0, 0.8, 1.0],
                           "baseline": [0.0, 0.7, 1.0], "random": [0.0, 0.5, 1.0]}),
        lead_scores=leads, kpi_weights=weights, kpi_profiles=profiles, team_scorecard=card,
        staff_credit=pd.DataFrame({"staff_id": [EVIL], "department": ["support"],
                                   "role": ["agent"], "referred_leads": [40], "converted": [8],
                                   "open_leads": [2], "direct_value": [16000.0],
                                   "support_value": [900.0], "expected_value": [15000.0]}),
        scheme_audit=pd.DataFrame({"scheme": [EVIL], "rank_correlation": [0.6],
                                   "rank_correlation_low": [0.4], "rank_correlation_high": [0.7],
                                   "top_value_share": [0.7], "gaming_gain": [0.0]}),
        kpi_metrics={"profile": EVIL, "teams": 1, "months": ["2024-01-01", "2025-11-01"]},
        prepare_metrics={"tables": {"customers": {"first": "2023-01-01", "last": "2025-12-28"}}},
        explain_summary={"models": {EVIL: {"rows_explained": 5, "top_features": [EVIL]}},
                         "skipped": {}},
        figures=dict.fromkeys(STORED_FIGURES, png_bytes(new_figure(1.0, 1.0))),
        alerts=pd.DataFrame([{"kpi": "churn_rate", "segment_type": "channel", "segment": EVIL,
                              "first_week": "2025-11-03", "last_week": "2025-11-17",
                              "observed": 0.05, "expected": 0.02, "lower": 0.01, "upper": 0.03,
                              "direction": "up", "severity": 2.0, "value_at_risk": 1000.0,
                              "drivers": EVIL}]),
        kpi_series=pd.DataFrame({"week": ["2025-11-03", "2025-11-10", "2025-11-17"],
                                 "kpi": "churn_rate", "segment_type": "channel",
                                 "segment": EVIL, "value": [0.04, 0.05, 0.06], "n": 100.0,
                                 "expected": 0.02, "lower": 0.01, "upper": 0.03}),
    )


@pytest.fixture(scope="module")
def page() -> str:
    return render_report(_inputs())


def test_a_script_channel_name_is_escaped_everywhere(page: str) -> None:
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert" not in page
    assert "<script" not in page.lower()  # the page carries no script at all


def test_every_section_is_present_once_with_its_stable_id(page: str) -> None:
    for section_id in SECTION_IDS:
        assert page.count(f'<section id="{section_id}">') == 1, section_id
    assert "not produced by this run" not in page


def test_the_page_is_self_contained(page: str) -> None:
    assert not re.search(r"https?://", page)
    sources = re.findall(r'src="([^"]*)"', page)
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)
    assert all(h.startswith("#") or h == "data:," for h in re.findall(r'href="([^"]*)"', page))
    assert "Content-Security-Policy" in page


def test_numbers_come_from_the_outputs(page: str) -> None:
    assert ">300<" in page and ">+200%<" in page  # recommended spend and change of EVIL
    assert "15 (12–18)" in page  # expected value with its p10–p90 from the CSV
    assert "1,500" in page and "1,200–1,800" in page and ">5.00<" in page  # CLTV row
    assert "ab" * 8 in page  # params hash on the model cards
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.split('id="model-cards"')[1]


def test_missing_outputs_become_notes_and_never_crash() -> None:
    page = render_report(ReportInputs())
    for section_id in SECTION_IDS:
        assert f'<section id="{section_id}">' in page
    body = page.split("<main>")[1]
    assert body.count("not produced by this run") >= 5
    assert "<img" not in page


def test_no_leads_table_says_why() -> None:
    inputs = replace(_inputs(), conversion_metrics={"skipped": "the input has no leads table"},
                     lead_scores=None)
    assert "the input has no leads table" in leads_section(inputs)


def test_a_table_missing_columns_is_reported_not_raised() -> None:
    broken = _inputs().allocation
    assert broken is not None
    html = plan_section(replace(_inputs(), allocation=broken.drop(columns=["binding"])))
    assert "lacks columns binding" in html


def test_plan_uplift_by_hand() -> None:
    curves = CurveSet("leads", [_curve("a")], [])
    allocation = pd.DataFrame({"channel": ["a", "unknown"], "current_weekly_spend": [100.0, 1.0],
                               "recommended_weekly_spend": [300.0, 1.0],
                               "value_per_unit": [2.0, 1.0]})
    table = plan_uplift(curves, allocation)
    # response(100) = 10 * 100 / 200 = 5, response(300) = 10 * 300 / 400 = 7.5; x 2 per unit
    assert table["channel"].tolist() == ["a"]
    assert table.loc[0, "current_value"] == pytest.approx(10.0)
    assert table.loc[0, "uplift"] == pytest.approx(5.0)
    assert table.loc[0, "uplift_p10"] == pytest.approx(5.0)  # no draws: the point curve
    assert total_uplift(curves, allocation)["uplift"] == pytest.approx(5.0)


def test_total_uplift_band_is_of_the_sum_within_draws() -> None:
    inputs = _inputs()
    assert inputs.curves is not None and inputs.allocation is not None
    from models.response.uncertainty import curves_from_dict

    curves = curves_from_dict(inputs.curves)
    total = total_uplift(curves, inputs.allocation)
    # draw 1: 2*(8*0.75 - 8*0.5) + (16/3 - 8) = 4 - 8/3; draw 2: 6 - 4 = 2
    draws = np.array([4 - 8 / 3, 2.0])
    assert total["uplift_p10"] == pytest.approx(np.percentile(draws, 10))
    assert total["uplift_p90"] == pytest.approx(np.percentile(draws, 90))


def test_response_grid_covers_both_marked_points() -> None:
    inputs = _inputs()
    assert inputs.curves is not None and inputs.allocation is not None
    from models.response.uncertainty import curves_from_dict

    grid = response_grid(curves_from_dict(inputs.curves), inputs.allocation, {"search": 900.0})
    search = grid.loc[grid["channel"] == "search"]
    assert search["spend"].min() == 0.0 and search["spend"].max() == pytest.approx(1080.0)
    assert (search["response_p10"] <= search["response"] + 1e-12).all()
    assert (search["response"] <= search["response_p90"] + 1e-12).all()


def test_reason_counts_by_hand() -> None:
    table = reason_counts(_inputs().lead_scores, top=5).set_index("feature")  # type: ignore[arg-type]
    assert table.loc["channel", "leads"] == 2 and table.loc["channel", "raising"] == 2
    assert table.loc["score", "raising"] == 1 and table.loc["score", "lowering"] == 1
    assert table.loc["score", "mean_effect"] == pytest.approx(-0.1)
    assert table.loc["channel", "share_of_leads"] == 1.0


def test_parse_reason() -> None:
    assert parse_reason("company_size=1000+ (+0.48)") == ("company_size", 0.48)
    assert parse_reason("a=b=c (-1.00)") == ("a", -1.0)
    assert parse_reason("") is None and parse_reason(float("nan")) is None


def test_find_run_id() -> None:
    assert find_run_id({"mlflow_run_id": "abc"}) == "abc"
    assert find_run_id({"mlflow": {"run_id": "def"}}) == "def"
    assert find_run_id({"as_of": "x"}) is None and find_run_id(None) is None


def test_formats() -> None:
    assert number(1234.5) == "1,234" or number(1234.5) == "1,235"
    assert number(float("nan")) == "—" and number(None) == "—"
    assert percent(0.125, 1) == "12.5%" and percent(0.1, signed=True) == "+10%"
    assert interval(1, 2) == "1–2" and interval(-3, -1) == "-3 to -1"
    assert with_band("5", 1, 9) == "5 (1–9)" and with_band("5", None, 9) == "5"


def test_table_html_escapes_headers_and_cells() -> None:
    html = table_html(pd.DataFrame({EVIL: [EVIL]}))
    assert "<script>" not in html and html.count("&lt;script&gt;") == 2
