"""Stage ``prepare``: validate the input directory against the contract, write typed Parquet.

With ``engine: dask`` it also writes the large tables by bucket, for the workers to read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from features.contract import ContractError, Dataset, dataset_summary, load_dataset
from models.io import remove_directory, write_bucketed, write_json, write_parquet
from models.scale.buckets import bucket_tables
from pipelines import outputs
from pipelines.params import load_params
from pipelines.params.engine import Engine, parse_engine


def write_prepared(dataset: Dataset, out: Path) -> None:
    """Write each table as Parquet in ``out`` (``paths.prepared``); optional ones when present."""
    tables = dataset.tables()
    for name, output in outputs.PREPARED_TABLES.items():
        if name in tables:
            write_parquet(out / output.name, tables[name])
        elif (out / output.name).exists():  # an optional table the new input lacks
            (out / output.name).unlink()


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
    engine, buckets = parse_engine(params.raw), outputs.PREPARED_BUCKETS.path(params.paths)
    remove_directory(buckets)  # first: buckets never outlive the flat tables they split
    write_prepared(dataset, params.paths.prepared)
    if engine.engine is Engine.DASK:
        write_bucketed(buckets, bucket_tables(dataset.tables(), engine.buckets))
    write_json(outputs.PREPARE_METRICS.path(params.paths), dataset_summary(dataset))
    return 0


if __name__ == "__main__":
    sys.exit(main())
