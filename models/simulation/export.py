"""Write a simulated world as an input directory: the four tables and ``truth.json``."""

from __future__ import annotations

from pathlib import Path

from models.io import write_json, write_table
from models.simulation.drift import Drift
from models.simulation.generator import simulate_world
from models.simulation.world import Scale


def write_world(
    out: str | Path, seed: int, scale: Scale | str, fmt: str = "csv", vary: bool = False,
    referrals: bool = False, drifts: tuple[Drift, ...] = (), kpi_world: int | None = None,
) -> dict[str, int]:
    """Simulate and write the tables (staff too, with referrals) and ``truth.json``.

    Returns the rows written per table.
    """
    world = simulate_world(seed, scale, vary=vary, referrals=referrals, drifts=drifts,
                           kpi_world=kpi_world)
    tables = {"customers": world.customers, "orders": world.orders,
              "spend": world.spend, "leads": world.leads}
    if world.staff is not None:
        tables["staff"] = world.staff
    for name, frame in tables.items():
        write_table(out, name, frame, fmt)
    write_json(Path(out) / "truth.json", world.truth)
    return {name: len(frame) for name, frame in tables.items()}
