"""Read every stage output the report shows; a missing file is None, never an error."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pandas as pd

from models.io import read_json
from models.report.inputs import ReportInputs
from pipelines import outputs
from pipelines.inputs import read_runs
from pipelines.params import Params
from pipelines.params.report import parse_report

CSV_INPUTS = {  # ReportInputs field: output
    "allocation": outputs.BUDGET_ALLOCATION,
    "frontier": outputs.BUDGET_FRONTIER,
    "cltv_by_channel": outputs.CLTV_BY_CHANNEL,
    "lead_scores": outputs.LEAD_SCORES,
    "kpi_weights": outputs.KPI_WEIGHTS,
    "kpi_profiles": outputs.KPI_WEIGHTS_PROFILES,
    "team_scorecard": outputs.TEAM_SCORECARD,
    "staff_credit": outputs.STAFF_CREDIT,
    "scheme_audit": outputs.SCHEME_AUDIT,
    "reliability": outputs.CONVERSION_RELIABILITY,
    "alerts": outputs.ALERTS,
    "kpi_series": outputs.KPI_SERIES,
    "gain": outputs.CONVERSION_GAIN,
}
JSON_INPUTS = {
    "allocation_metrics": outputs.ALLOCATION_METRICS,
    "response_metrics": outputs.RESPONSE_METRICS,
    "cltv_metrics": outputs.CLTV_METRICS,
    "conversion_metrics": outputs.CONVERSION_METRICS,
    "kpi_metrics": outputs.KPI_WEIGHTS_METRICS,
    "prepare_metrics": outputs.PREPARE_METRICS,
    "explain_summary": outputs.EXPLAIN_SUMMARY,
    "curves": outputs.RESPONSE_CURVES,
}
# Identifiers stay text: a channel called "001" or "NaN" must not become a number.
TEXT_COLUMNS = {"channel": "str", "lead_id": "str", "kpi": "str", "team": "str",
                "staff_id": "str", "department": "str", "role": "str", "scheme": "str",
                "binding": "str", "direction": "str", "month": "str", "segment": "str",
                "segment_type": "str"}


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


def load_report_inputs(params: Params, params_path: Path) -> ReportInputs:
    """Collect the stage outputs under ``params.paths`` into :class:`ReportInputs`.

    Raises
    ------
    ValueError
        If a file exists but cannot be parsed (the message names it).
    """
    paths = params.paths
    values: dict[str, Any] = {}
    for name, output in {**CSV_INPUTS, **JSON_INPUTS}.items():
        path = output.path(paths)
        try:
            values[name] = read_csv(path) if name in CSV_INPUTS else (
                read_json(path) if path.is_file() else None)
        except ValueError as err:
            raise ValueError(f"cannot read {path}: {err}") from err
    settings = parse_report(params.raw.get("report") or {})
    return ReportInputs(**values, title=settings.title, top_leads=settings.top_leads,
                        top_reasons=settings.top_reasons, runs=read_runs(paths),
                        figures=read_figures(Path(paths.figures)),
                        params_hash=file_sha256(params_path))
