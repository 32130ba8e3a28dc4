"""Cost per element of one vectorised NumPy step at 1M, 3M and 10M elements on this machine.

The per-customer features are chains of such steps over the orders (``a * 3 + 1`` stands for
them). When their cost per element grows with the array, a linear algorithm's time grows
faster than its input: this separates the machine's memory (caches, and fresh pages for each
new large array) from the algorithm in ``bench_scale.py``'s features figures.

For each size: the minimum and median over 30 repeats, writing a fresh array each time (as
the feature code does) and writing into one array reused (``out=``).

Usage: python benchmarks/bench_array_cost.py [--out benchmarks/results/array_cost.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np

SIZES = (1_000_000, 3_000_000, 10_000_000)
REPEATS = 30


def ns_per_element(n: int) -> dict[str, float]:
    """Minimum and median ns per element of ``a * 3 + 1``, fresh and into a reused array."""
    a = np.arange(n, dtype=np.int64)
    out = np.empty(n, dtype=np.int64)
    fresh, reused = [], []
    for _ in range(REPEATS):
        started = time.perf_counter()
        b = a * 3 + 1
        fresh.append(time.perf_counter() - started)
        del b
        started = time.perf_counter()
        np.multiply(a, 3, out=out)
        np.add(out, 1, out=out)
        reused.append(time.perf_counter() - started)
    scale = 1e9 / n
    return {"fresh_min": round(min(fresh) * scale, 3),
            "fresh_median": round(statistics.median(fresh) * scale, 3),
            "reused_min": round(min(reused) * scale, 3),
            "reused_median": round(statistics.median(reused) * scale, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/array_cost.json"))
    args = parser.parse_args()
    result = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                          "numpy": np.__version__},
              "load_average_1m_at_start": round(os.getloadavg()[0], 2),
              "ns_per_element": {str(n): ns_per_element(n) for n in SIZES}}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    print(json.dumps(result["ns_per_element"], indent=1))


if __name__ == "__main__":
    main()
