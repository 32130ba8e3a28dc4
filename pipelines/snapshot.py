"""Stage ``snapshot``: copy the warehouse tables (``data.uri``) to Parquet with a content hash.

DVC cannot see inside a database, so the stage always runs; its outputs change only when
the data did, so ``prepare`` and later stages rerun only then. Without ``data.uri`` it
writes a manifest saying so, and ``prepare`` reads ``data.dir``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import pandas as pd

from features.contract_errors import ContractError
from features.warehouse import (
    WarehouseError,
    canonical_order,
    read_warehouse_tables,
    snapshot_manifest,
)
from models.io import write_json, write_parquet
from pipelines import outputs
from pipelines.credentials import warehouse_url
from pipelines.params import load_params


def main() -> int:
    """Run the stage with params.yaml; exit 1 with one message when the warehouse fails."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default="params.yaml")
    params = load_params(parser.parse_args().params)
    manifest = outputs.SNAPSHOT_MANIFEST.path(params.paths)
    tables: dict[str, pd.DataFrame] = {}
    described: dict[str, Any] = {"source": None, "reason": "data.uri is not set"}
    if params.data_uri is not None:
        try:
            url = warehouse_url(params.data_uri)
            raw = read_warehouse_tables(url, params.data_queries)
        except (ContractError, WarehouseError) as err:  # the last snapshot stays (persist)
            print(f"snapshot: {params.data_uri}: {err}", file=sys.stderr)
            return 1
        tables = {name: canonical_order(name, frame) for name, frame in raw.items()}
        described = snapshot_manifest(url, params.data_queries, tables)
        print(f"snapshot: {url.address}: {len(tables)} tables, sha256 {described['sha256'][:12]}")
    for stale in manifest.parent.glob("*.parquet"):  # a table gone from the source
        if stale.stem not in tables:
            stale.unlink()
    for name, frame in tables.items():
        write_parquet(manifest.parent / f"{name}.parquet", frame)
    write_json(manifest, described)
    return 0


if __name__ == "__main__":
    sys.exit(main())
