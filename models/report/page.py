"""The report page: what it is built from and how the sections are put together as one HTML file.

:func:`render_report` is pure (data in, HTML string out). The page is self-contained: images
are inlined as base64 PNG, there is no script and no external URL, and a Content Security
Policy forbids loading anything else, so it works offline from ``file://``.
"""

from __future__ import annotations

from models.report.alerts import alerts_section
from models.report.cards import model_cards_section
from models.report.html import esc
from models.report.incentives import scheme_audit_section, staff_credit_section
from models.report.inputs import ReportInputs
from models.report.sections import cltv_section, kpis_section, leads_section, plan_section

SECTIONS = (("alerts", "Alerts"), ("plan", "The plan"), ("cltv", "CLTV by channel"),
            ("leads", "The lead model"),
            ("kpis", "KPI weights"), ("scheme-audit", "Scheme audit"),
            ("staff-credit", "All-staff credit"),
            ("model-cards", "Model cards"))


STYLE = """
:root { --ink: #1d2330; --muted: #5b6472; --line: #dde1e7; --accent: #1f5fa8;
        --warn-bg: #fff7e0; --warn-line: #e0b84a; --bg: #f6f7f9; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
       font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
       sans-serif; }
header { background: #18212f; color: #fff; padding: 20px 32px 12px; }
header h1 { margin: 0 0 4px; font-size: 24px; }
header p { margin: 0 0 10px; color: #c9d1dc; font-size: 13px; }
nav a { color: #fff; margin-right: 18px; text-decoration: none; font-weight: 600;
        font-size: 14px; border-bottom: 2px solid transparent; }
nav a:hover { border-bottom-color: #8fb8ea; }
main { max-width: 1240px; margin: 0 auto; padding: 8px 24px 40px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px;
          padding: 8px 24px 20px; margin: 20px 0; }
h2 { font-size: 21px; margin: 14px 0 4px; }
h3 { font-size: 16px; margin: 22px 0 6px; }
p.intro { color: var(--muted); margin-top: 0; }
p.note { background: var(--warn-bg); border-left: 4px solid var(--warn-line);
         padding: 8px 12px; margin: 10px 0; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13px; margin: 6px 0 10px; }
caption { text-align: left; color: var(--muted); padding-bottom: 4px; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left;
         vertical-align: top; }
th { background: #f0f2f5; font-weight: 600; }
td.nowrap { white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
figure { margin: 10px 0 16px; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 4px; }
figcaption { color: var(--muted); font-size: 13px; }
.tiles { display: flex; flex-wrap: wrap; gap: 12px; margin: 10px 0 6px; }
.tile { flex: 1 1 200px; border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; }
.tile .label { color: var(--muted); font-size: 12px; text-transform: uppercase; }
.tile .value { font-size: 22px; font-weight: 650; }
.tile .detail { color: var(--muted); font-size: 12px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: 14px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 4px 14px 10px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; font-size: 13px; }
dt { color: var(--muted); }
dd { margin: 0; overflow-wrap: anywhere; }
ul.binding { margin: 4px 0 10px; }
footer { text-align: center; color: var(--muted); font-size: 12px; padding: 0 0 30px; }
"""

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def page_html(title: str, subtitle: str, sections: list[str]) -> str:
    """Wrap rendered sections into the page: head, style, navigation, footer."""
    links = "".join(f'<a href="#{esc(i)}">{esc(t)}</a>' for i, t in SECTIONS)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<link rel="icon" href="data:,">'
        f"<title>{esc(title)}</title><style>{STYLE}</style></head>\n<body>"
        f"<header><h1>{esc(title)}</h1><p>{esc(subtitle)}</p><nav>{links}</nav></header>\n"
        f"<main>\n{chr(10).join(sections)}\n</main>"
        "<footer>Every number on this page is read from the pipeline's stage outputs "
        "(reports/, metrics/, data/models/). Regenerate with <code>channelwise report</code>."
        "</footer></body></html>\n"
    )


def render_report(inputs: ReportInputs) -> str:
    """Render the whole page from stage outputs.

    Sections whose inputs are missing show a note saying so instead of failing.

    Parameters
    ----------
    inputs : ReportInputs
        The stage outputs found.

    Returns
    -------
    str
        A complete, self-contained HTML document.
    """
    subtitle = ("Weekly budget plan, channel value, lead scoring and KPI weights, with the "
                f"evidence behind them. params.yaml sha256 {inputs.params_hash[:12] or '—'}.")
    sections = [alerts_section(inputs), plan_section(inputs), cltv_section(inputs),
                leads_section(inputs),
                kpis_section(inputs), scheme_audit_section(inputs), staff_credit_section(inputs),
                model_cards_section(inputs)]
    return page_html(inputs.title, subtitle, sections)
