"""Stage ``features``: customer, lead and weekly channel features as of the cutoff."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from features.channels import build_channel_panel
from features.customers import build_customer_features
from features.leads import build_lead_features
from models.io import write_json, write_parquet
from pipelines.params import load_params
from pipelines.prepared import data_end, read_prepared


def main() -> None:
    """Run the stage with params.yaml."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default="params.yaml")
    params = load_params(parser.parse_args().params)
    data = read_prepared(params.paths.prepared)
    cutoff = params.features.cutoff or data_end(data)
    out = Path(params.paths.features)
    write_parquet(out / "customers.parquet",
                  build_customer_features(data.customers, data.orders, cutoff))
    write_parquet(out / "channel_panel.parquet",
                  build_channel_panel(data.spend, data.customers, data.leads, cutoff))
    if data.leads is not None:
        write_parquet(out / "leads.parquet", build_lead_features(data.leads, cutoff))
    write_json(out / "cutoff.json", {"cutoff": pd.Timestamp(cutoff).isoformat()})


if __name__ == "__main__":
    main()
