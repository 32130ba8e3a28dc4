"""Read every stage output the report shows; a missing file is None, never an error."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pandas as pd

from models.io import read_json
from models.report.page import ReportInputs
from pipelines.params import Params, ParamsError

CSV_INPUTS = {  # ReportInputs field: (paths attribute, file)
    "allocation": ("reports", "budget_allocation.csv"),
    "frontier": ("reports", "budget_frontier.csv"),
    "cltv_by_channel": ("reports", "cltv_by_channel.csv"),
    "lead_scores": ("reports", "lead_scores.csv"),
    "kpi_weights": ("reports", "kpi_weights.csv"),
    "kpi_profiles": ("reports", "kpi_weights_profiles.csv"),
    "team_scorecard": ("reports", "team_scorecard.csv"),
    "reliability": ("plots", "conversion_reliability.csv"),
    "gain": ("plots", "conversion_gain.csv"),
}
JSON_INPUTS = {
    "allocation_metrics": ("metrics", "allocation.json"),
    "response_metrics": ("metrics", "response.json"),
    "cltv_metrics": ("metrics", "cltv.json"),
    "conversion_metrics": ("metrics", "conversion.json"),
    "kpi_metrics": ("metrics", "kpi_weights.json"),
    "prepare_metrics": ("metrics", "prepare.json"),
    "explain_summary": ("explanations", "summary.json"),
}
# Identifiers stay text: a channel called "001" or "NaN" must not become a number.
TEXT_COLUMNS = {"channel": "str", "lead_id": "str", "kpi": "str", "team": "str",
                "binding": "str", "direction": "str", "month": "str"}


def read_csv(path: Path) -> pd.DataFrame | None:
    """Read a report CSV with identifier columns as text; None if absent."""
    if not path.is_file():
        return None
    header = pd.read_csv(path, nrows=0).columns
    dtypes = {c: t for c, t in TEXT_COLUMNS.items() if c in header}
    return pd.read_csv(path, dtype=dtypes, keep_default_na=False,
                       na_values={c: [""] for c in header if c not in dtypes})


def read_figures(directory: Path) -> dict[str, bytes]:
    """Every PNG under ``directory``, keyed by its path relative to it (``explain/x.png``)."""
    if not directory.is_dir():
        return {}
    return {path.relative_to(directory).as_posix(): path.read_bytes()
            for path in sorted(directory.rglob("*.png"))}


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def report_settings(section: dict[str, Any]) -> dict[str, Any]:
    """Validate the ``report`` params section: ``title``, ``top_leads``, ``top_reasons``."""
    try:
        top_leads = int(section.get("top_leads", 10))
        top_reasons = int(section.get("top_reasons", 10))
    except (TypeError, ValueError) as err:
        raise ParamsError(f"params.yaml: report: {err}") from err
    if top_leads < 0 or top_reasons < 0:
        raise ParamsError("params.yaml: report.top_leads and top_reasons must be >= 0")
    return {"title": str(section.get("title", "channelwise")), "top_leads": top_leads,
            "top_reasons": top_reasons}


def load_report_inputs(params: Params, params_path: Path) -> ReportInputs:
    """Collect the stage outputs under ``params.paths`` into :class:`ReportInputs`.

    Raises
    ------
    ValueError
        If a file exists but cannot be parsed (the message names it).
    """
    paths = params.paths
    values: dict[str, Any] = {}
    for name, (where, file) in {**CSV_INPUTS, **JSON_INPUTS}.items():
        path = Path(getattr(paths, where)) / file
        try:
            values[name] = read_csv(path) if name in CSV_INPUTS else (
                read_json(path) if path.is_file() else None)
        except ValueError as err:
            raise ValueError(f"cannot read {path}: {err}") from err
    curves = Path(paths.models) / "response" / "curves.json"
    values["curves"] = read_json(curves) if curves.is_file() else None
    settings = report_settings(params.raw.get("report") or {})
    return ReportInputs(**values, **settings, figures=read_figures(Path(paths.figures)),
                        params_hash=file_sha256(params_path))
