"""The All-staff credit section: escaped names, totals, and what it says when data is absent."""

from __future__ import annotations

import pandas as pd

from models.report.incentives import staff_credit_section
from models.report.inputs import ReportInputs

EVIL = "<script>alert(1)</script>"


def test_lists_each_member_escaped_with_totals() -> None:
    credit = pd.DataFrame({"staff_id": [EVIL, "S2"], "department": ["support", "editorial"],
                           "role": ["agent", "editor"], "referred_leads": [40, 10],
                           "converted": [8, 1], "open_leads": [3, 1],
                           "direct_value": [16000.0, 2000.0], "support_value": [900.0, 100.0],
                           "expected_value": [15000.0, 2500.0]})
    html = staff_credit_section(ReportInputs(staff_credit=credit))
    assert EVIL not in html and "&lt;script&gt;" in html
    assert "18.0k" in html and 'id="staff-credit"' in html  # direct value 16,000 + 2,000


def test_says_why_when_there_is_no_credit() -> None:
    assert "missing reports/staff_credit.csv" in staff_credit_section(ReportInputs())
    empty = pd.DataFrame(columns=["staff_id", "referred_leads"])
    assert "referred_by" in staff_credit_section(ReportInputs(staff_credit=empty))


def test_the_audit_section_shows_each_scheme_and_its_verdict() -> None:
    from models.report.incentives import scheme_audit_section

    audit = pd.DataFrame({"scheme": ["suggested", EVIL], "rank_correlation": [0.6, 0.1],
                          "rank_correlation_low": [0.4, -0.1],
                          "rank_correlation_high": [0.75, 0.3], "top_value_share": [0.7, 0.5],
                          "gaming_gain": [0.0, 9.5]})
    html = scheme_audit_section(ReportInputs(scheme_audit=audit))
    assert EVIL not in html and "best of the schemes" in html and "9.5" in html
    assert "channelwise audit-scheme" in scheme_audit_section(ReportInputs())
