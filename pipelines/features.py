"""Stage ``features``: customer, lead and weekly channel features as of the cutoff."""

from __future__ import annotations

import argparse

import pandas as pd

from features.channels import build_channel_panel
from features.contract import data_end
from features.customers import build_customer_features
from features.leads import build_lead_features
from models.io import write_json, write_parquet
from pipelines import outputs
from pipelines.inputs import read_prepared
from pipelines.params import load_params


def main() -> None:
    """Run the stage with params.yaml."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default="params.yaml")
    params = load_params(parser.parse_args().params)
    paths = params.paths
    data = read_prepared(paths.prepared)
    cutoff = params.cutoff or data_end(data)
    write_parquet(outputs.CUSTOMER_FEATURES.path(paths),
                  build_customer_features(data.customers, data.orders, cutoff))
    write_parquet(outputs.CHANNEL_PANEL.path(paths),
                  build_channel_panel(data.spend, data.customers, data.leads, cutoff))
    if data.leads is not None:
        write_parquet(outputs.LEAD_FEATURES.path(paths), build_lead_features(data.leads, cutoff))
    write_json(outputs.CUTOFF.path(paths), {"cutoff": pd.Timestamp(cutoff).isoformat()})


if __name__ == "__main__":
    main()
