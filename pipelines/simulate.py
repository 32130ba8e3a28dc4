"""Stage ``simulate``: write the simulated world to ``paths.simulated``."""

from __future__ import annotations

import argparse

from models.simulation.export import write_world
from pipelines.params import load_params
from pipelines.params.simulate import parse_simulate


def main() -> None:
    """Run the stage with params.yaml."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default="params.yaml")
    params = load_params(parser.parse_args().params)
    cfg = parse_simulate(params.section("simulate"))
    write_world(params.paths.simulated, params.seed, cfg.scale, cfg.format.value, vary=cfg.vary,
                referrals=cfg.referrals, drifts=cfg.drifts, kpi_world=cfg.kpi_world)


if __name__ == "__main__":
    main()
