"""One registry of the files stages write: writers, readers and CLI defaults share these names.

Each output is a ``paths`` key of params.yaml plus a file name under it, so moving a folder
in params.yaml moves every reader and writer with it. dvc.yaml templates the same folders.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# The folders of params.yaml ``paths`` as shipped: the CLI's defaults outside a run's params.
# tests/pipelines/test_outputs.py keeps them equal to params.yaml.
DEFAULT_FOLDERS = {
    "simulated": "data/simulated", "prepared": "data/prepared", "features": "data/features",
    "predictions": "data/predictions", "models": "data/models",
    "explanations": "data/explanations", "metrics": "metrics", "plots": "metrics/plots",
    "reports": "reports", "figures": "reports/figures", "runs": "data/runs",
    "snapshot": "data/snapshot",
}


@dataclass(frozen=True)
class Output:
    """A stage output: the ``paths`` key it lives under and its file name there."""

    folder: str
    name: str

    def path(self, paths: object) -> Path:
        """Return the output's path under ``paths`` (a :class:`pipelines.params.Paths`)."""
        return Path(getattr(paths, self.folder)) / self.name

    @property
    def default(self) -> Path:
        """The output's path under the shipped folders: a CLI option's default."""
        return Path(DEFAULT_FOLDERS[self.folder]) / self.name


# snapshot (the warehouse's tables, one <table>.parquet each, and this manifest)
SNAPSHOT_MANIFEST = Output("snapshot", "snapshot.json")
# prepare
PREPARED_CUSTOMERS = Output("prepared", "customers.parquet")
PREPARED_ORDERS = Output("prepared", "orders.parquet")
PREPARED_SPEND = Output("prepared", "spend.parquet")
PREPARED_LEADS = Output("prepared", "leads.parquet")
PREPARED_STAFF = Output("prepared", "staff.parquet")
PREPARED_TABLES = {"customers": PREPARED_CUSTOMERS, "orders": PREPARED_ORDERS,
                   "spend": PREPARED_SPEND, "leads": PREPARED_LEADS, "staff": PREPARED_STAFF}
# engine: dask only: <table>/bucket=NNN.parquet (models/scale/buckets.py, docs/scale-out.md)
PREPARED_BUCKETS = Output("prepared", "buckets")
PREPARE_METRICS = Output("metrics", "prepare.json")
# features
CUSTOMER_FEATURES = Output("features", "customers.parquet")
LEAD_FEATURES = Output("features", "leads.parquet")
CHANNEL_PANEL = Output("features", "channel_panel.parquet")
CUTOFF = Output("features", "cutoff.json")
# train_cltv
CLTV_MODEL_DIR = Output("models", "cltv")
CUSTOMER_CLTV = Output("predictions", "customer_cltv.parquet")
CHANNEL_CLTV = Output("predictions", "channel_cltv.csv")
CLTV_BY_CHANNEL = Output("reports", "cltv_by_channel.csv")
CLTV_METRICS = Output("metrics", "cltv.json")
# train_conversion and score_leads
CONVERSION_MODEL_DIR = Output("models", "conversion")
CHANNEL_CONVERSION = Output("predictions", "channel_conversion.csv")
FUNNEL_METRICS = Output("predictions", "funnel_metrics.csv")
CONVERSION_RELIABILITY = Output("plots", "conversion_reliability.csv")
CONVERSION_GAIN = Output("plots", "conversion_gain.csv")
CONVERSION_METRICS = Output("metrics", "conversion.json")
CONVERSION_TABLES = (CHANNEL_CONVERSION, FUNNEL_METRICS, CONVERSION_RELIABILITY, CONVERSION_GAIN)
LEAD_SCORES = Output("reports", "lead_scores.csv")
STAFF_CREDIT = Output("reports", "staff_credit.csv")
# fit_response and allocate
RESPONSE_CURVES = Output("models", "response/curves.json")
RESPONSE_METRICS = Output("metrics", "response.json")
BUDGET_ALLOCATION = Output("reports", "budget_allocation.csv")
BUDGET_FRONTIER = Output("reports", "budget_frontier.csv")
ALLOCATION_METRICS = Output("metrics", "allocation.json")
# kpi_weights
KPI_WEIGHTS = Output("reports", "kpi_weights.csv")
KPI_WEIGHTS_PROFILES = Output("reports", "kpi_weights_profiles.csv")
TEAM_SCORECARD = Output("reports", "team_scorecard.csv")
KPI_SHAP_SUMMARY = Output("figures", "kpi_shap_summary.png")
KPI_WEIGHTS_METRICS = Output("metrics", "kpi_weights.json")
# monitor
ALERTS = Output("reports", "alerts.csv")
KPI_SERIES = Output("reports", "kpi_series.csv")
MONITOR_METRICS = Output("metrics", "monitor.json")
# explain and report
EXPLAIN_SUMMARY = Output("explanations", "summary.json")
EXPLAIN_FIGURES = Output("figures", "explain")
REPORT_PAGE = Output("reports", "index.html")
WHATIF_ALLOCATION = Output("reports", "budget_allocation_whatif.csv")  # channelwise allocate
INCENTIVES = Output("reports", "incentives.csv")  # channelwise incentives
SCHEME_AUDIT = Output("reports", "scheme_audit.csv")  # channelwise audit-scheme
INCENTIVES_FIGURE = Output("reports", "incentives_pay_vs_value.png")


def run_record(stage: str) -> Output:
    """Return the MLflow run record of a stage (kept outside the DVC metrics, which stay stable)."""
    return Output("runs", f"{stage}.json")
