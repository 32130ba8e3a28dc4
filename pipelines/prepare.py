"""Stage ``prepare``: validate the input directory against the contract, write typed Parquet."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from features.contract import ContractError, Dataset, dataset_summary, load_dataset
from models.io import write_json, write_parquet
from pipelines import outputs
from pipelines.params import load_params


def write_prepared(dataset: Dataset, out: Path) -> None:
    """Write each table as Parquet in ``out`` (``paths.prepared``); leads only when present."""
    tables = {outputs.PREPARED_CUSTOMERS: dataset.customers,
              outputs.PREPARED_ORDERS: dataset.orders, outputs.PREPARED_SPEND: dataset.spend}
    stale = out / outputs.PREPARED_LEADS.name
    if dataset.leads is not None:
        tables[outputs.PREPARED_LEADS] = dataset.leads
    elif stale.exists():
        stale.unlink()
    for output, frame in tables.items():
        write_parquet(out / output.name, frame)


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
    write_json(outputs.PREPARE_METRICS.path(params.paths), dataset_summary(dataset))
    return 0


if __name__ == "__main__":
    sys.exit(main())
