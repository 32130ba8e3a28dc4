"""Stage ``prepare``: validate the input directory against the contract, write typed Parquet."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from features.contract import ContractError, Dataset, load_dataset
from models.io import write_json, write_parquet
from pipelines.params import load_params
from pipelines.summary import dataset_summary


def write_prepared(dataset: Dataset, out: Path) -> None:
    """Write each table as ``<out>/<table>.parquet``; leads only when present."""
    tables = {"customers": dataset.customers, "orders": dataset.orders, "spend": dataset.spend}
    if dataset.leads is not None:
        tables["leads"] = dataset.leads
    stale = out / "leads.parquet"
    if dataset.leads is None and stale.exists():
        stale.unlink()
    for name, frame in tables.items():
        write_parquet(out / f"{name}.parquet", frame)


def main() -> int:
    """Run the stage with params.yaml; exit 1 with one message on a contract violation."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default="params.yaml")
    params = load_params(parser.parse_args().params)
    try:
        dataset = load_dataset(params.data_dir)
    except ContractError as err:
        print(f"prepare: {params.data_dir} breaks the data contract:\n{err}", file=sys.stderr)
        return 1
    write_prepared(dataset, params.paths.prepared)
    write_json(params.paths.metrics / "prepare.json", dataset_summary(dataset))
    return 0


if __name__ == "__main__":
    sys.exit(main())
