"""The report's content sections: the plan, CLTV by channel, the lead model and KPI weights.

Each takes :class:`models.report.page.ReportInputs` and returns the HTML of one section; a part
whose stage output is missing becomes a note, never an error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from models.figures import png_bytes
from models.report.data import plan_uplift, reason_counts, response_grid, total_uplift
from models.report.html import (
    Formatter,
    as_number,
    compact,
    esc,
    facts_html,
    image_html,
    interval,
    kpis_html,
    missing_columns,
    missing_html,
    note_html,
    number,
    percent,
    section_html,
    table_html,
    text,
    with_band,
)
from models.report.plots import (
    cltv_figure,
    frontier_figure,
    kpi_profiles_figure,
    kpi_weights_figure,
    leads_figure,
    response_curves_figure,
)
from models.response.uncertainty import CurveSet, curves_from_dict

if TYPE_CHECKING:
    from models.report.inputs import ReportInputs

ALLOCATION_COLUMNS = ("channel", "current_weekly_spend", "recommended_weekly_spend",
                      "change_pct", "lower_bound", "upper_bound", "value_per_unit",
                      "expected_value", "marginal_roi", "binding")
CLTV_COLUMNS = ("channel", "customers", "cltv_mean", "cltv_p10", "cltv_p90", "cac",
                "cltv_to_cac")
KPI_COLUMNS = ("kpi", "weight", "weight_low", "weight_high", "direction", "rationale")
LEAD_METRICS = (("roc_auc", "ROC AUC", True), ("pr_auc", "PR AUC", True),
                ("log_loss", "log loss", False), ("brier", "Brier score", False),
                ("brier_skill", "Brier skill", True), ("ece", "calibration error (ECE)", False),
                ("lift_top_10", "lift, top 10%", True), ("capture_top_20", "capture, top 20%",
                                                          True))


def figure_html(figure: Any, alt: str, caption: str = "") -> str:
    """Render a matplotlib figure to an inline PNG."""
    return image_html(png_bytes(figure), alt, caption)


def stored_figure(inputs: ReportInputs, name: str, alt: str, caption: str) -> str:
    """Inline an image written by an earlier stage (e.g. ``explain/cltv_bar.png``), or a note."""
    if name not in inputs.figures:
        return missing_html(alt, [f"reports/figures/{name}"])
    return image_html(inputs.figures[name], alt, caption)


def signed_number(value: Any) -> str:
    """Format ``+1,234`` / ``-56``; empty when missing."""
    return text(value) if pd.isna(value) else f"{float(value):+,.0f}"


def _curves(inputs: ReportInputs) -> CurveSet | None:
    return None if inputs.curves is None else curves_from_dict(inputs.curves)


def plan_headline(inputs: ReportInputs, allocation: pd.DataFrame, curves: CurveSet | None) -> str:
    """Tiles: budget, expected value, uplift with its p10–p90 and P(plan beats current)."""
    metrics = inputs.allocation_metrics or {}
    value = float(allocation["expected_value"].sum())
    tiles = [("weekly budget", compact(allocation["recommended_weekly_spend"].sum()),
              f"current spend {compact(allocation['current_weekly_spend'].sum())}"),
             ("expected value / week", compact(metrics.get("expected_value", value)),
              f"current mix {compact(metrics.get('current_value'))}")]
    if curves is not None:
        uplift = total_uplift(curves, allocation)
        tiles.append(("uplift / week", f"{'+' if uplift['uplift'] >= 0 else ''}"
                      f"{compact(uplift['uplift'])}",
                      f"p10–p90 {compact(uplift['uplift_p10'])} to "
                      f"{compact(uplift['uplift_p90'])}"))
    if "p_plan_beats_current" in metrics:
        tiles.append(("P(plan beats current mix)", percent(metrics["p_plan_beats_current"]),
                      "share of bootstrap curve sets"))
    return kpis_html(tiles)


def plan_table(allocation: pd.DataFrame, curves: CurveSet | None) -> str:
    """Per channel: current vs recommended spend, bounds, value with p10–p90, uplift, binding."""
    table = allocation.copy()
    table["bounds"] = [interval(lo, hi) for lo, hi in
                       zip(table["lower_bound"], table["upper_bound"], strict=True)]
    for end in ("expected_value_p10", "expected_value_p90"):
        table[end] = table[end] if end in table.columns else float("nan")
    table["value"] = [with_band(number(v), lo, hi) for v, lo, hi in zip(
        table["expected_value"], table["expected_value_p10"], table["expected_value_p90"],
        strict=True)]
    columns = ["channel", "current_weekly_spend", "recommended_weekly_spend", "change_pct",
               "bounds", "value"]
    if curves is not None:
        uplift = plan_uplift(curves, allocation).set_index("channel")
        names = table["channel"].astype(str)
        table["uplift"] = [with_band(signed_number(v), lo, hi) for v, lo, hi in zip(
            names.map(uplift["uplift"]), names.map(uplift["uplift_p10"]),
            names.map(uplift["uplift_p90"]), strict=True)]
        columns.append("uplift")
    columns += ["marginal_roi", "binding"]
    formats: dict[str, Formatter] = {
        "current_weekly_spend": number, "recommended_weekly_spend": number,
        "change_pct": lambda v: "—" if pd.isna(v) else f"{float(v):+.0f}%",
        "marginal_roi": lambda v: number(v, 2)}
    headers = {"current_weekly_spend": "current / wk", "recommended_weekly_spend":
               "recommended / wk", "change_pct": "change", "bounds": "allowed",
               "value": "expected value / wk (p10–p90)", "uplift": "uplift / wk (p10–p90)",
               "marginal_roi": "marginal ROI", "binding": "binding"}
    return table_html(table.loc[:, columns], formats, headers,
                      numeric=[c for c in columns if c not in ("channel", "binding")])


def binding_html(allocation: pd.DataFrame) -> str:
    """List the channels held at a bound, with the rule that set it."""
    held = allocation.loc[~allocation["binding"].astype(str).isin(["none", "", "nan"])]
    if held.empty:
        return note_html("No constraint binds: every channel sits where its marginal value "
                         "per unit of spend equals the others'.")
    items = []
    for row in held.to_dict("records"):
        at_upper = float(row["recommended_weekly_spend"]) >= float(row["upper_bound"]) - 1e-6
        bound = row["upper_bound"] if at_upper else row["lower_bound"]
        items.append(f"<li><b>{esc(row['channel'])}</b> is held at its "
                     f"{'upper' if at_upper else 'lower'} bound ({esc(number(bound))} / week) "
                     f"by rule <code>{esc(row['binding'])}</code></li>")
    return f'<ul class="binding">{"".join(items)}</ul>'


def truth_html(metrics: dict[str, Any] | None) -> str:
    """On simulated data: each plan's true value, regret and share of the possible uplift."""
    truth = (metrics or {}).get("truth")
    if not isinstance(truth, dict):
        return ""
    if "skipped" in truth:
        return f"<p>Not checked against the simulator's truth: {esc(str(truth['skipped']))}.</p>"
    rows = [{"plan": name, **values} for name, values in truth.items() if isinstance(values, dict)]
    frame = pd.DataFrame(rows, columns=["plan", "true_value", "regret", "uplift_captured"])
    return ("<h3>Checked against the simulator's true curves</h3>" + table_html(
        frame, {"true_value": number, "regret": percent, "uplift_captured": percent},
        {"true_value": "true value / wk", "uplift_captured": "share of possible uplift"},
        numeric=["true_value", "regret", "uplift_captured"],
        caption=f"Oracle value {number(truth.get('oracle_value'))} / week."))


def plan_section(inputs: ReportInputs) -> str:
    """Section ``plan``: current vs recommended spend, value, uplift, bounds, frontier, curves."""
    intro = ("Where next week's budget should go to maximise the lifetime value of the "
             "customers it buys. Figures are per week; intervals are bootstrap p10–p90.")
    allocation = inputs.allocation
    if allocation is None or allocation.empty:
        return section_html("plan", "The plan", intro, missing_html(
            "The budget plan", ["reports/budget_allocation.csv"]))
    lacking = missing_columns(allocation, ALLOCATION_COLUMNS)
    if lacking:
        return section_html("plan", "The plan", intro, note_html(
            f"reports/budget_allocation.csv lacks columns {', '.join(lacking)}."))
    curves = _curves(inputs)
    parts = [plan_headline(inputs, allocation, curves), plan_table(allocation, curves),
             "<h3>Binding constraints</h3>", binding_html(allocation), "<h3>Budget frontier</h3>"]
    if inputs.frontier is not None and len(inputs.frontier):
        metrics = inputs.allocation_metrics or {}
        current = None if "current_value" not in metrics else (
            float(allocation["current_weekly_spend"].sum()), float(metrics["current_value"]))
        plan = (float(allocation["recommended_weekly_spend"].sum()),
                float(allocation["expected_value"].sum()))
        parts.append(figure_html(frontier_figure(inputs.frontier, plan, current),
                                 "Budget frontier", "Expected value of the best plan at each "
                                 "weekly budget (reports/budget_frontier.csv)."))
    else:
        parts.append(missing_html("The budget frontier", ["reports/budget_frontier.csv"]))
    parts.append("<h3>Response curves</h3>")
    if curves is not None:
        grid = response_grid(curves, allocation, dict(inputs.curves.get("history_cap", {}))
                             if inputs.curves else {})
        parts.append(figure_html(response_curves_figure(grid, allocation, curves.response_unit),
                                 "Response curves", "Computed from data/models/response/"
                                 "curves.json at average demand."))
    else:
        parts.append(missing_html("Response curves", ["data/models/response/curves.json"]))
    parts.append(truth_html(inputs.allocation_metrics))
    return section_html("plan", "The plan", intro, "".join(parts))


def cltv_section(inputs: ReportInputs) -> str:
    """Section ``cltv``: CLTV of a new customer per channel with p10–p90, CAC and CLTV:CAC."""
    intro = ("Expected value over the CLTV horizon of a customer acquired today, per "
             "acquisition channel, against what the channel pays to acquire one.")
    cltv = inputs.cltv_by_channel
    if cltv is None or cltv.empty:
        return section_html("cltv", "CLTV by channel", intro, missing_html(
            "CLTV by channel", ["reports/cltv_by_channel.csv"]))
    lacking = missing_columns(cltv, CLTV_COLUMNS)
    if lacking:
        return section_html("cltv", "CLTV by channel", intro, note_html(
            f"reports/cltv_by_channel.csv lacks columns {', '.join(lacking)}."))
    table = cltv.loc[:, list(CLTV_COLUMNS)].assign(
        band=[interval(lo, hi) for lo, hi in zip(cltv["cltv_p10"], cltv["cltv_p90"],
                                                  strict=True)])
    table = table.loc[:, ["channel", "customers", "cltv_mean", "band", "cac", "cltv_to_cac"]]
    parts = [table_html(table, {"customers": number, "cltv_mean": number, "cac": number,
                                "cltv_to_cac": lambda v: number(v, 2)},
                        {"cltv_mean": "CLTV (mean)", "band": "p10–p90", "cac": "CAC",
                         "cltv_to_cac": "CLTV:CAC"},
                        numeric=["customers", "cltv_mean", "band", "cac", "cltv_to_cac"],
                        caption="An empty CAC marks an unpaid channel."),
             figure_html(cltv_figure(cltv), "CLTV by channel with intervals")]
    parts += [cltv_backtest_html(inputs.cltv_metrics), "<h3>Why channels differ</h3>",
              stored_figure(inputs, "explain/cltv_new_customer_waterfalls.png",
                            "Per-channel SHAP waterfalls of the new-customer CLTV model",
                            "Mean SHAP value per feature of each channel's recent customers, "
                            "relative to the average customer (stage explain).")]
    return section_html("cltv", "CLTV by channel", intro, "".join(parts))


def cltv_backtest_html(metrics: dict[str, Any] | None) -> str:
    """Tabulate the CLTV backtest: LightGBM vs the BG/NBD x Gamma-Gamma baseline."""
    backtest = (metrics or {}).get("backtest")
    if not isinstance(backtest, dict) or not isinstance(backtest.get("lightgbm"), dict):
        return note_html("CLTV backtest: not recorded in metrics/cltv.json.")
    model, base = backtest["lightgbm"], backtest.get("btyd") or {}
    frame = pd.DataFrame({"metric": list(model), "LightGBM": [model[k] for k in model],
                          "BG/NBD baseline": [base.get(k) for k in model]})
    return ("<h3>Backtest</h3>" + table_html(
        frame, {"LightGBM": lambda v: number(v, 3), "BG/NBD baseline": lambda v: number(v, 3)},
        numeric=["LightGBM", "BG/NBD baseline"],
        caption=f"Customers as of {text(backtest.get('as_of'))[:10]}, "
                f"scored over the next {text(backtest.get('horizon_days'))} days."))


def lead_metrics_html(metrics: dict[str, Any]) -> str:
    """Model vs logistic baseline on the validation slice, with the better of the two."""
    model, base = metrics.get("model") or {}, metrics.get("baseline") or {}
    rows = []
    for key, label, higher in LEAD_METRICS:
        a, b = as_number(model.get(key)), as_number(base.get(key))
        if a is None:
            continue
        if b is None:
            better = "—"
        elif round(a, 3) == round(b, 3):
            better = "tie"
        else:
            better = "model" if (a > b) == higher else "baseline"
        rows.append({"metric": label, "model": a, "baseline": b, "better": better})
    frame = pd.DataFrame(rows, columns=["metric", "model", "baseline", "better"])
    return table_html(frame, {"model": lambda v: number(v, 3),
                              "baseline": lambda v: number(v, 3)},
                      numeric=["model", "baseline"],
                      caption=f"Validation slice of {number(model.get('rows'))} leads.")


def leads_section(inputs: ReportInputs) -> str:
    """Section ``leads``: metrics vs the baseline, reliability and gain, and the top reasons."""
    intro = ("P(convert) of each open lead from a calibrated LightGBM model, checked on the "
             "newest leads against a logistic-regression baseline.")
    metrics = inputs.conversion_metrics
    if not metrics or "model" not in metrics:
        reason = (metrics or {}).get("skipped")
        body = note_html(f"The lead model: not produced by this run ({reason}).") if reason \
            else missing_html("The lead model", ["metrics/conversion.json"])
        return section_html("leads", "The lead model", intro, body)
    parts = [lead_metrics_html(metrics),
             figure_html(leads_figure(inputs.reliability, inputs.gain),
                         "Reliability and gain curves")]
    scores = inputs.lead_scores
    if scores is None or scores.empty:
        parts.append(missing_html("Lead scores and reasons", ["reports/lead_scores.csv"]))
    else:
        parts += ["<h3>Top reasons</h3>", top_reasons_html(scores, inputs.top_reasons),
                  "<h3>Open leads worth the most</h3>", top_leads_html(scores, inputs.top_leads)]
    parts.append(stored_figure(inputs, "explain/conversion_bar.png",
                               "Global SHAP importance of the lead model",
                               "Mean |SHAP| in log-odds over every lead (stage explain)."))
    return section_html("leads", "The lead model", intro, "".join(parts))


def top_reasons_html(scores: pd.DataFrame, top: int) -> str:
    """Tabulate the features most often among the open leads' reasons, and their sign."""
    counts = reason_counts(scores, top)
    return table_html(counts, {"leads": number, "share_of_leads": percent, "raising": number,
                               "lowering": number, "mean_effect": lambda v: f"{v:+.2f}"},
                      {"leads": "open leads", "share_of_leads": "share",
                       "mean_effect": "mean effect (log-odds)"},
                      numeric=["leads", "share_of_leads", "raising", "lowering", "mean_effect"],
                      caption=f"Out of {len(scores):,} open leads scored.")


def top_leads_html(scores: pd.DataFrame, top: int) -> str:
    """Tabulate the open leads with the highest expected value (P(convert) x CLTV)."""
    key = "expected_value" if scores["expected_value"].notna().any() else "p_convert"
    best = scores.sort_values([key, "lead_id"], ascending=[False, True]).head(top)
    columns = [c for c in ("lead_id", "p_convert", "expected_value", "reason_1", "reason_2",
                           "reason_3") if c in best.columns]
    return table_html(best.loc[:, columns], {"p_convert": percent, "expected_value": number},
                      {"p_convert": "P(convert)", "expected_value": "expected value"},
                      numeric=["p_convert", "expected_value"])


def kpis_section(inputs: ReportInputs) -> str:
    """Section ``kpis``: weights with intervals, the phases side by side, the team scorecard."""
    intro = ("Suggested weights for the KPIs in a team's scorecard, learned from which KPIs "
             "went on to create value, with intervals and the evidence behind each.")
    weights = inputs.kpi_weights
    if weights is None or weights.empty:
        return section_html("kpis", "KPI weights", intro, missing_html(
            "KPI weights", ["reports/kpi_weights.csv"]))
    lacking = missing_columns(weights, KPI_COLUMNS)
    if lacking:
        return section_html("kpis", "KPI weights", intro, note_html(
            f"reports/kpi_weights.csv lacks columns {', '.join(lacking)}."))
    table = weights.assign(band=[interval(lo, hi, 2) for lo, hi in zip(
        weights["weight_low"], weights["weight_high"], strict=True)])
    parts = [kpi_facts(inputs.kpi_metrics),
             table_html(table.loc[:, ["kpi", "weight", "band", "direction", "rationale"]],
                        {"weight": lambda v: number(v, 3)}, {"band": "interval"},
                        numeric=["weight", "band"]),
             figure_html(kpi_weights_figure(weights), "KPI weights with intervals")]
    parts.append("<h3>Strategy phases side by side</h3>")
    phases = inputs.kpi_profiles
    if phases is not None and len(phases) and "kpi" in phases.columns:
        values = [c for c in phases.columns if c != "kpi"]
        parts += [note_html("Each phase learns the weights against its own outcome: launch, "
                            "customers acquired; growth, new-customer value; profit, value "
                            "net of spend. A KPI without evidence under a phase gets 0."),
                  table_html(phases, dict.fromkeys(values, lambda v: number(v, 3)),
                             numeric=values),
                  figure_html(kpi_profiles_figure(phases), "KPI weights by phase")]
    else:
        parts.append(missing_html("Phases", ["reports/kpi_weights_profiles.csv"]))
    parts += ["<h3>Team scorecard</h3>", scorecard_html(inputs.team_scorecard, weights),
              stored_figure(inputs, "kpi_shap_summary.png", "SHAP summary of the KPI model",
                            "How each KPI moved the next quarter's value (stage kpi_weights).")]
    return section_html("kpis", "KPI weights", intro, "".join(parts))


def kpi_facts(metrics: dict[str, Any] | None) -> str:
    """Phase, teams, months and held-out fit of the KPI model, from metrics/kpi_weights.json."""
    if not metrics:
        return ""
    months = metrics.get("months") or []
    pairs = [("phase", text(metrics.get("phase"))), ("teams", number(metrics.get("teams"))),
             ("months", " to ".join(map(str, months))),
             ("held-out R², within teams", number(metrics.get("within_r2"), 3)),
             ("held-out R², between teams", number(metrics.get("between_r2"), 3))]
    if metrics.get("no_evidence_fallback"):
        pairs.append(("evidence", "no KPI cleared the evidence rule; weights are "
                                  "kept from the point estimate, treat them as weak"))
    return facts_html(pairs)


def scorecard_html(card: pd.DataFrame | None, weights: pd.DataFrame) -> str:
    """Teams with score, rank and, per KPI, ``value → target`` (KPIs in weight order)."""
    if card is None or card.empty:
        return missing_html("The team scorecard", ["reports/team_scorecard.csv"])
    weighted = weights.loc[weights["weight"] > 0, "kpi"].astype(str)
    kpis = [k for k in (weighted if len(weighted) else weights["kpi"].astype(str))
            if f"{k}_target" in card.columns and k in card.columns]
    fixed = [c for c in ("team", "month", "score", "rank") if c in card.columns]
    if not kpis:
        numbers = [c for c in card.columns if pd.api.types.is_numeric_dtype(card[c])]
        return table_html(card, dict.fromkeys(numbers, lambda v: number(v, 2)),
                          numeric=numbers)
    table = card.loc[:, fixed].copy()
    for kpi in kpis:
        table[kpi] = [f"{number(v, 2)} → {number(t, 2)}" for v, t in
                      zip(card[kpi], card[f"{kpi}_target"], strict=True)]
    numeric = [c for c in table.columns if c not in ("team", "month")]
    return table_html(table, {"score": lambda v: number(v, 1), "rank": number}, numeric=numeric,
                      caption="Latest month per team; each KPI cell is value → suggested "
                              "next target. KPIs with zero weight are left out (see "
                              "reports/team_scorecard.csv).")

