"""Time a `channelwise` command on a freshly written simulated world (shared by benchmarks).

benchmarks/ is not a package: a benchmark imports this after putting its own folder on
``sys.path``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from models.simulation.export import write_world


def time_command_on_world(arguments: list[str], scale: str = "default",
                          seed: int = 42) -> dict[str, float]:
    """Wall time of ``channelwise <arguments>`` on a world written as parquet, with the load.

    ``{world}`` and ``{out}`` in ``arguments`` become the world's folder and a temporary
    output folder. The world is written before the clock starts.
    """
    with tempfile.TemporaryDirectory() as root:
        world, out = Path(root) / "world", Path(root) / "out"
        write_world(world, seed, scale, "parquet")
        command = [str(Path(sys.executable).parent / "channelwise")] + [
            a.format(world=world, out=out) for a in arguments]
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        return {"seconds": round(time.perf_counter() - started, 1),
                "load_average_1min": round(os.getloadavg()[0], 2)}
