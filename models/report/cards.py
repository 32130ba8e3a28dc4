"""The report's model cards: data window, key metrics, MLflow run id and the params hash."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from models.report.data import find_run_id
from models.report.html import esc, facts_html, missing_html, number, percent, section_html, text

if TYPE_CHECKING:
    from models.report.inputs import ReportInputs

Facts = list[tuple[str, str]]


def window(first: Any, last: Any) -> str:
    """``first to last`` as dates (the first 10 characters of ISO timestamps)."""
    if not first and not last:
        return "—"
    return f"{text(first)[:10]} to {text(last)[:10]}"


def data_window(prepare: dict[str, Any] | None, tables: tuple[str, ...]) -> str:
    """Return the span of the input tables a model reads, from metrics/prepare.json."""
    spans = [(prepare or {}).get("tables", {}).get(name) or {} for name in tables]
    firsts = [s["first"] for s in spans if s.get("first")]
    lasts = [s["last"] for s in spans if s.get("last")]
    if not firsts:
        return "— (metrics/prepare.json not found)"
    return f"{window(min(firsts), max(lasts))} ({', '.join(tables)})"


def cltv_facts(metrics: dict[str, Any], prepare: dict[str, Any] | None) -> Facts:
    """Model card facts of stage ``train_cltv``."""
    test = (metrics.get("backtest") or {}).get("lightgbm") or {}
    return [("data window", data_window(prepare, ("customers", "orders"))),
            ("scored as of", text(metrics.get("as_of"))[:10]),
            ("customers scored", number(metrics.get("customers"))),
            ("training cutoffs", number(metrics.get("training_cutoffs"))),
            ("value", text(metrics.get("value"))),
            ("backtest Spearman", number(test.get("spearman"), 3)),
            ("backtest normalised Gini", number(test.get("normalised_gini"), 3)),
            ("backtest aggregate error", percent(test.get("aggregate_error"), 1)),
            ("p10–p90 coverage", percent(test.get("interval_coverage"), 1))]


def conversion_facts(metrics: dict[str, Any], prepare: dict[str, Any] | None) -> Facts:
    """Model card facts of stage ``train_conversion``."""
    if "model" not in metrics:
        return [("status", text(metrics.get("skipped") or "no model"))]
    split, model = metrics.get("split") or {}, metrics.get("model") or {}
    facts = [("data window", data_window(prepare, ("leads",))),
             ("as of", text(metrics.get("as_of"))[:10])]
    for part in ("train", "calibration", "validation"):
        span = split.get(part) or {}
        facts.append((f"{part} leads", f"{number(span.get('rows'))}, "
                                       f"{window(span.get('first'), span.get('last'))}"))
    config = metrics.get("model_config") or {}
    facts += [("trees", f"{number(config.get('rounds'))} rounds of "
                        f"{number(config.get('num_leaves'))} leaves"),
              ("validation ROC AUC", number(model.get("roc_auc"), 3)),
              ("validation log loss", number(model.get("log_loss"), 4)),
              ("calibration error (ECE)", number(model.get("ece"), 4))]
    return facts


def response_facts(metrics: dict[str, Any], curves: dict[str, Any] | None) -> Facts:
    """Model card facts of stage ``fit_response``."""
    channels = metrics.get("channels") or {}
    r2 = [v.get("r2") for v in channels.values() if isinstance(v, dict)]
    mape = [v.get("holdout_mape") for v in channels.values() if isinstance(v, dict)]
    span = (curves or {}).get("window") or []
    return [("data window", window(*span) if len(span) == 2 else "—"),
            ("response unit", text(metrics.get("response_unit"))),
            ("channels", number(len(channels))),
            ("bootstrap curve sets", number(len((curves or {}).get("bootstrap") or []))),
            ("median R²", number(np.nanmedian(np.array(r2, dtype=float)), 2) if r2 else "—"),
            ("median hold-out MAPE", percent(np.nanmedian(np.array(mape, dtype=float)))
             if mape else "—")]


def allocation_facts(metrics: dict[str, Any], _: Any) -> Facts:
    """Model card facts of stage ``allocate``."""
    truth = (metrics.get("truth") or {}).get("plan") or {}
    facts = [("weekly budget", number(metrics.get("weekly_budget"))),
             ("expected value / week", number(metrics.get("expected_value"))),
             ("current mix value / week", number(metrics.get("current_value"))),
             ("optimality gap (certificate)", percent(metrics.get("certificate_gap"), 3)),
             ("P(plan beats current)", percent(metrics.get("p_plan_beats_current")))]
    if truth:
        facts.append(("regret on true curves", percent(truth.get("regret"), 1)))
    return facts


def kpi_facts(metrics: dict[str, Any], _: Any) -> Facts:
    """Model card facts of stage ``kpi_weights``."""
    months = metrics.get("months") or []
    return [("data window", window(*months) if len(months) == 2 else "—"),
            ("teams x months", f"{number(metrics.get('teams'))} teams, "
                               f"{number(metrics.get('rows'))} rows"),
            ("outcome", text(metrics.get("outcome_source"))),
            ("held-out R² within / between teams",
             f"{number(metrics.get('within_r2'), 3)} / {number(metrics.get('between_r2'), 3)}"),
            ("phase", text(metrics.get("phase")))]


def explain_facts(summary: dict[str, Any], _: Any) -> Facts:
    """Model card facts of stage ``explain``."""
    facts = [(f"{name}", f"{number(m.get('rows_explained'))} rows; top: "
                         f"{', '.join(map(str, m.get('top_features', [])[:3]))}")
             for name, m in (summary.get("models") or {}).items()]
    facts += [(f"{name} (skipped)", text(why)) for name, why in
              (summary.get("skipped") or {}).items()]
    return facts or [("models", "none")]


TRACKED_STAGES = ("train_cltv", "train_conversion", "kpi_weights")  # they log MLflow runs


def run_facts(record: dict[str, Any] | None, fallback: str | None, stage: str) -> Facts:
    """Return the MLflow run id and registered model version of a card, or why there are none."""
    record = record or {}
    run_id = record.get("run_id") or fallback
    if not run_id:
        why = (f"not recorded (no data/runs/{stage}.json)" if stage in TRACKED_STAGES
               else "none: this stage logs no MLflow run")
        return [("MLflow run", why)]
    facts = [("MLflow run", str(run_id))]
    if record.get("registered_model"):
        facts.append(("registered model",
                      f"{record['registered_model']} v{record.get('model_version') or '?'}"))
    return facts


def card_html(title: str, source: str, facts: Facts, runs: Facts, params: str) -> str:
    """One card: its facts, the MLflow run (or why there is none) and the params hash."""
    facts = [*facts, *runs, ("params.yaml sha256", params[:16] or "—"), ("source", source)]
    return f'<div class="card"><h3>{esc(title)}</h3>{facts_html(facts)}</div>'


def model_cards_section(inputs: ReportInputs) -> str:
    """Section ``model-cards``: one card per stage output that describes a model."""
    specs: list[tuple[str, str, str, dict[str, Any] | None, Callable[..., Facts], Any]] = [
        ("CLTV (LightGBM, with BG/NBD features)", "train_cltv", "metrics/cltv.json",
         inputs.cltv_metrics, cltv_facts, inputs.prepare_metrics),
        ("Lead conversion (calibrated LightGBM)", "train_conversion", "metrics/conversion.json",
         inputs.conversion_metrics, conversion_facts, inputs.prepare_metrics),
        ("Response curves (adstock + Hill)", "fit_response", "metrics/response.json",
         inputs.response_metrics, response_facts, inputs.curves),
        ("Budget allocation", "allocate", "metrics/allocation.json", inputs.allocation_metrics,
         allocation_facts, None),
        ("KPI weights", "kpi_weights", "metrics/kpi_weights.json", inputs.kpi_metrics,
         kpi_facts, None),
        ("SHAP explanations", "explain", "data/explanations/summary.json",
         inputs.explain_summary, explain_facts, None),
    ]
    cards = []
    for title, stage, source, metrics, facts, extra in specs:
        if metrics is None:
            cards.append(f'<div class="card"><h3>{esc(title)}</h3>'
                         f"{missing_html(title, [source])}</div>")
            continue
        runs = run_facts(inputs.runs.get(stage), find_run_id(metrics), stage)
        cards.append(card_html(title, source, facts(metrics, extra), runs, inputs.params_hash))
    intro = (f"What each model was trained on and how well it did. params.yaml sha256: "
             f"{inputs.params_hash or '—'}.")
    return section_html("model-cards", "Model cards", intro,
                        f'<div class="cards">{"".join(cards)}</div>')
