"""Stage ``score_leads``: P(convert), expected value and reasons for the leads still open."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from models.conversion.rows import open_lead_ids
from models.conversion.scoring import SCORE_COLUMNS, score_leads
from models.io import read_json, write_csv
from pipelines.conversion_params import parse_train_conversion
from pipelines.conversion_store import MODEL_FILE, load_conversion_model
from pipelines.params import load_params
from pipelines.prepared import read_prepared


def read_channel_cltv(path: Path) -> pd.Series | None:
    """``cltv_mean`` by channel from stage train_cltv's CSV, or None when it is absent."""
    if not path.is_file():
        return None
    table = pd.read_csv(path, dtype={"channel": "str"})
    return table.set_index("channel")["cltv_mean"].astype("float64")


def main() -> None:
    """Run the stage with params.yaml."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default="params.yaml")
    params = load_params(parser.parse_args().params)
    settings = parse_train_conversion(params.section("train_conversion"))
    out = Path(params.paths.reports) / "lead_scores.csv"
    model_dir = Path(params.paths.models) / "conversion"
    leads = read_prepared(params.paths.prepared).leads
    if leads is None or not (model_dir / MODEL_FILE).is_file():  # no leads, no model
        write_csv(out, pd.DataFrame(columns=list(SCORE_COLUMNS)))
        return
    features_dir = Path(params.paths.features)
    cutoff = pd.Timestamp(read_json(features_dir / "cutoff.json")["cutoff"])
    features = pd.read_parquet(features_dir / "leads.parquet")
    open_ids = open_lead_ids(leads, cutoff, settings.window_days)
    cltv = read_channel_cltv(Path(params.paths.predictions) / "channel_cltv.csv")
    scores = score_leads(load_conversion_model(model_dir),
                         features.loc[features["lead_id"].isin(open_ids)], cltv)
    write_csv(out, scores, "%.6f")


if __name__ == "__main__":
    main()
