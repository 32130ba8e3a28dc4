"""The report's All-staff credit section: who brought business on the side, and what it is worth."""

from __future__ import annotations

from models.report.html import (
    compact,
    kpis_html,
    missing_html,
    note_html,
    number,
    section_html,
    table_html,
)
from models.report.inputs import ReportInputs

SHOWN_STAFF = 15
COLUMNS = {"staff_id": "staff", "department": "department", "role": "role",
           "referred_leads": "referred leads", "converted": "converted",
           "direct_value": "direct value", "support_value": "support value",
           "expected_value": "expected value"}


def staff_credit_section(inputs: ReportInputs) -> str:
    """Section ``staff-credit``: the referral credit per staff member, when leads carry it."""
    intro = ("Engineers, support agents and editors bring business too. A referred lead that "
             "converted is direct credit, worth its channel's CLTV; one still open is support "
             "credit, worth P(convert) x CLTV.")
    credit = inputs.staff_credit
    if credit is None:
        return section_html("staff-credit", "All-staff credit", intro,
                            missing_html("Staff credit", ["reports/staff_credit.csv"]))
    if credit.empty:
        return section_html("staff-credit", "All-staff credit", intro, note_html(
            "No lead names a referrer: add leads.referred_by and a staff table to credit "
            "everyone who brings business."))
    tiles = kpis_html([
        ("people credited", number(len(credit)), "referred at least one lead"),
        ("referred leads", number(credit["referred_leads"].sum()), "all time"),
        ("direct value", compact(credit["direct_value"].sum()), "CLTV of converted referrals"),
        ("open pipeline", compact(credit["support_value"].sum()), "P(convert) x CLTV")])
    shown = credit.head(SHOWN_STAFF).loc[:, [c for c in COLUMNS if c in credit.columns]]
    money = {c: compact for c in ("direct_value", "support_value", "expected_value")}
    table = table_html(shown, formats=money | {"referred_leads": number, "converted": number},
                       headers=COLUMNS, numeric=[*money, "referred_leads", "converted"],
                       caption=f"Top {min(SHOWN_STAFF, len(credit))} by expected value")
    return section_html("staff-credit", "All-staff credit", intro, tiles + table)
