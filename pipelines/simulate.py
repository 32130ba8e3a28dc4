"""Stage ``simulate``: write the simulated world to ``paths.simulated``."""

from __future__ import annotations

import argparse
from pathlib import Path

from models.io import write_json, write_table
from models.simulation.generator import simulate_world
from models.simulation.world import Scale
from pipelines.params import load_params


def write_world(
    out: str | Path, seed: int, scale: Scale | str, fmt: str = "csv", vary: bool = False
) -> dict[str, int]:
    """Simulate and write the four tables and ``truth.json``; return rows per table."""
    world = simulate_world(seed, scale, vary=vary)
    tables = {"customers": world.customers, "orders": world.orders,
              "spend": world.spend, "leads": world.leads}
    for name, frame in tables.items():
        write_table(out, name, frame, fmt)
    write_json(Path(out) / "truth.json", world.truth)
    return {name: len(frame) for name, frame in tables.items()}


def main() -> None:
    """Run the stage with params.yaml."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default="params.yaml")
    args = parser.parse_args()
    params = load_params(args.params)
    write_world(params.paths.simulated, params.seed, params.simulate.scale,
                vary=params.simulate.vary)


if __name__ == "__main__":
    main()
