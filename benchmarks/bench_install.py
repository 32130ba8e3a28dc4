"""Install time from a fresh clone -> benchmarks/results/install.json.

1. lock: ``make install`` (uv from requirements.lock) with an empty uv cache of its own.
2. former: ``python -m venv`` + ``pip install -e ".[dev]"`` + lifetimes, pip's cache off.
Both download from PyPI, so the network is part of the figure.

Usage: python benchmarks/bench_install.py [--skip-former] [--out ...]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from models.io import write_json

ROOT = Path(__file__).resolve().parents[1]


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Run ``command`` in ``cwd``; return its wall time in seconds (raises when it fails)."""
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
    return round(time.perf_counter() - start, 1)


def installed(venv: Path) -> int:
    """Number of distributions in a venv."""
    out = subprocess.run([str(venv / "bin/python"), "-m", "pip", "list", "--format=freeze"],
                         check=True, capture_output=True, text=True).stdout
    return len(out.split())


def main() -> None:
    """Clone, time both ways of installing, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-former", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/install.json")
    args = parser.parse_args()
    result: dict[str, object] = {"python": sys.version.split()[0], "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp:
        clone = Path(tmp) / "clone"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        env = os.environ | {"UV_CACHE_DIR": str(Path(tmp) / "uv-cache"),
                            "PIP_NO_CACHE_DIR": "1"}
        result["lock_make_install_seconds"] = timed(["make", "install"], clone, env)
        result["lock_packages"] = installed(clone / ".venv")
        if not args.skip_former:
            former = Path(tmp) / "former"
            python = str(former / "bin/python")
            seconds = timed([sys.executable, "-m", "venv", str(former)], clone, env)
            seconds += timed([python, "-m", "pip", "install", "-q", "-e", ".[dev]"], clone, env)
            seconds += timed([python, "-m", "pip", "install", "-q", "--no-deps",
                              "lifetimes==0.11.3"], clone, env)
            result["former_pip_install_seconds"] = round(seconds, 1)
        result["load_average_1min_after"] = round(os.getloadavg()[0], 2)
    write_json(args.out, result)
    print(result)


if __name__ == "__main__":
    main()
