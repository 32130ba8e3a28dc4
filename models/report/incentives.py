"""The report's incentive sections: the scheme audit, and the credit of all-staff referrals."""

from __future__ import annotations

from models.incentives.audit import best_scheme, verdict
from models.report.html import (
    compact,
    esc,
    interval,
    kpis_html,
    missing_html,
    note_html,
    number,
    percent,
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


AUDIT_HEADERS = {"scheme": "scheme", "rank_correlation": "rank correlation",
                 "interval": "90% interval", "top_value_share": "rewards to top-value teams",
                 "gaming_gain": "score bought by +20% volume"}


def scheme_audit_section(inputs: ReportInputs) -> str:
    """Section ``scheme-audit``: each audited scheme against the value teams go on to create."""
    intro = ("Does a KPI scheme reward the teams that create value? Each scheme's score of a "
             "team-month is set beside the value the team created in the next quarter, on "
             "months the suggested weights did not see (channelwise audit-scheme). The rank "
             "correlation compares the teams of each month, so the season earns no scheme "
             "credit.")
    audit = inputs.scheme_audit
    if audit is None or audit.empty:
        return section_html("scheme-audit", "Scheme audit", intro, missing_html(
            "Scheme audit", ["reports/scheme_audit.csv (channelwise audit-scheme)"]))
    best = best_scheme(audit)
    shown = audit.assign(interval=[interval(lo, hi, 2) for lo, hi in zip(
        audit["rank_correlation_low"], audit["rank_correlation_high"], strict=True)])
    shown = shown.loc[:, list(AUDIT_HEADERS)]
    table = table_html(shown, formats={"rank_correlation": lambda v: number(v, 2),
                                       "top_value_share": percent,
                                       "gaming_gain": lambda v: number(v, 1)},
                       headers=AUDIT_HEADERS,
                       numeric=["rank_correlation", "top_value_share", "gaming_gain"])
    verdicts = "".join(f"<li>{esc(str(row['scheme']))}: {esc(verdict(row, best))}</li>"
                       for _, row in audit.iterrows())
    return section_html("scheme-audit", "Scheme audit", intro, f"{table}<ul>{verdicts}</ul>")
