"""Time simulate, prepare and features at default and large scale; write wall time and peak memory.

Each phase runs in a fresh Python process, so its peak RSS is its own.
Usage: python benchmarks/bench_features.py [--scales default large]
                                           [--out benchmarks/results/features.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

PHASES = {
    "simulate": (
        "from models.simulation.export import write_world\n"
        "rows = write_world('{root}/raw', 42, '{scale}', 'parquet')\n"
        "extra = {{'rows': rows}}\n"
    ),
    "prepare": (
        "from features.contract import load_dataset\n"
        "from pipelines.prepare import write_prepared\n"
        "from pathlib import Path\n"
        "write_prepared(load_dataset('{root}/raw'), Path('{root}/prepared'))\n"
        "extra = {{}}\n"
    ),
    "features": (
        "from features.channels import build_channel_panel\n"
        "from features.customers import build_customer_features\n"
        "from features.leads import build_lead_features\n"
        "from features.contract import data_end\n"
        "from pipelines.inputs import read_prepared\n"
        "d = read_prepared('{root}/prepared'); cutoff = data_end(d)\n"
        "c = build_customer_features(d.customers, d.orders, cutoff)\n"
        "p = build_channel_panel(d.spend, d.customers, d.leads, cutoff)\n"
        "l = build_lead_features(d.leads, cutoff)\n"
        "extra = {{'customer_rows': len(c), 'lead_rows': len(l), 'panel_rows': len(p)}}\n"
    ),
}

RUNNER = """
import json, resource, time
t0 = time.perf_counter()
{body}
print(json.dumps({{"wall_s": round(time.perf_counter() - t0, 2),
                   "peak_rss_gib": round(
                       resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 3),
                   **extra}}))
"""


def run_phase(phase: str, scale: str, root: Path) -> dict[str, object]:
    """Run one phase in a subprocess and return its JSON line."""
    code = RUNNER.format(body=PHASES[phase].format(root=root, scale=scale))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", nargs="+", default=["default", "large"])
    parser.add_argument("--out", default="benchmarks/results/features.json")
    args = parser.parse_args()
    results: dict[str, object] = {
        "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()},
        "budget": {"features_large_wall_s": 60, "features_large_peak_gib": 6},
    }
    for scale in args.scales:
        with tempfile.TemporaryDirectory() as tmp:
            results[scale] = {phase: run_phase(phase, scale, Path(tmp)) for phase in PHASES}
        print(scale, json.dumps(results[scale]), flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
