"""Speed of the what-if page (`channelwise app`) on the default world, in headless Chromium.

Needs the outputs of `make run` (at least `dvc repro allocate`) under --root, and Debian's
chromium + chromium-driver. Starts `channelwise app` on a free port and times:
- server start: process start to the first HTTP 200 (imports, reading artefacts, first plan);
- page ready: navigation to the plan table and both charts drawn, the budget field enabled
  (target 3 s), three loads with the HTTP cache off (each a first visit), median;
- re-plan: a new budget typed (Enter) to the plan table showing it (target 1 s), alternating
  -10% / +10% of the current budget, --repeat times; and to the frontier's chosen point moved
  (the charts follow the plan in a second callback);
- lock: ticking the first channel's lock to the table showing it locked.

Usage: python benchmarks/bench_app.py [--root .] [--repeat 6] -> benchmarks/results/app.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

REPO = Path(__file__).resolve().parents[1]
TARGETS_S = {"page_ready": 3.0, "replan": 1.0}
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--no-first-run", "--window-size=1280,1900")


def wait_until(check: Callable[[], Any], timeout: float = 30.0) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        try:
            if check():
                return time.perf_counter() - start
        except (OSError, LookupError, WebDriverException):
            pass
        time.sleep(0.01)
    raise TimeoutError(f"no answer within {timeout} s")


def start_app(root: Path, port: int) -> tuple[subprocess.Popen[bytes], float]:
    # -P: the project under --root is read for data, the code is this repository's.
    command = [sys.executable, "-P", "-m", "pipelines.cli", "app", "--port", str(port),
               "--params", str(root / "params.yaml")]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=root, env={**os.environ, "PYTHONPATH": str(REPO)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def answers() -> bool:
        if process.poll() is not None:
            raise SystemExit(f"`channelwise app` exited {process.returncode}: run "
                             "`dvc repro allocate` under --root first")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as response:
            return bool(response.status == 200)

    wait_until(answers, 120)
    return process, time.perf_counter() - started


def plan_rows(driver: Any) -> list[list[str]]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#plan tbody tr'))"
        ".map(tr => Array.from(tr.cells).map(td => td.textContent));")


def interactive(driver: Any) -> bool:
    """The plan table is drawn, the budget field takes input and both charts are drawn."""
    return bool(len(plan_rows(driver)) > 1 and driver.find_element(By.ID, "budget").is_enabled()
                and driver.execute_script(
                    "return ['frontier', 'curves'].every(id => document.querySelector("
                    "'#' + id + ' .js-plotly-plot .main-svg'));"))


def chosen_budget(driver: Any) -> float:
    """The budget of the frontier's "this plan" point as Plotly holds it (period units)."""
    return float(driver.execute_script(
        "const d = document.querySelector('#frontier .js-plotly-plot').data;"
        "return d.find(t => t.name === 'this plan').x[0];"))


def time_change(driver: Any, act: Callable[[], None], shown: Callable[[], bool],
                drawn: Callable[[], bool]) -> tuple[float, float]:
    """Seconds from an input change to the plan showing it, and to the charts redrawn."""
    started = time.perf_counter()
    act()
    wait_until(shown)
    plan = time.perf_counter() - started
    wait_until(drawn)
    return plan, time.perf_counter() - started


def type_budget(driver: Any, budget: int) -> None:
    field = driver.find_element(By.ID, "budget")
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(str(budget), Keys.ENTER)


def measure(driver: Any, url: str, repeat: int) -> dict[str, Any]:
    loads = []
    for _ in range(3):  # each as a first visit: no HTTP cache
        driver.get("about:blank")  # the browser's own start is not the page's time
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
        started = time.perf_counter()
        driver.get(url)
        wait_until(lambda: interactive(driver))
        loads.append(time.perf_counter() - started)
    current = int(driver.find_element(By.ID, "budget").get_attribute("value"))
    replans, charts = [], []
    for i in range(repeat):
        budget = round(current * (0.9 if i % 2 == 0 else 1.1))
        plan_s, chart_s = time_change(
            driver, lambda b=budget: type_budget(driver, b),
            lambda b=budget: f"budget of {b:,} " in driver.find_element(By.ID, "caption").text,
            lambda b=budget: abs(chosen_budget(driver) - b) < 1.0)
        replans.append(plan_s)
        charts.append(chart_s)
    boxes = driver.find_elements(By.CSS_SELECTOR, "#limits input[type=checkbox]")
    lock = time_change(driver, boxes[0].click, lambda: plan_rows(driver)[0][7] == "locked",
                       lambda: True)
    return {"page_ready_s": {"median": round(statistics.median(loads), 3),
                             "all": [round(t, 3) for t in loads]},
            "channels": len(plan_rows(driver)) - 1,
            "replan_s": {"median": round(statistics.median(replans), 3),
                         "max": round(max(replans), 3), "all": [round(t, 3) for t in replans]},
            "replan_with_charts_s": {"median": round(statistics.median(charts), 3),
                                     "max": round(max(charts), 3)},
            "lock_s": round(lock[0], 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", type=Path, default=Path("."))
    parser.add_argument("--repeat", type=int, default=6)
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results" / "app.json"))
    args = parser.parse_args()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    process, server_s = start_app(args.root.resolve(), port)
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        results = measure(driver, f"http://127.0.0.1:{port}/", args.repeat)
    finally:
        driver.quit()
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)
    results |= {"server_start_s": round(server_s, 3), "targets_s": TARGETS_S,
                "repeat": args.repeat, "cpus": os.cpu_count(), "machine": platform.machine(),
                "load_average_1m": round(os.getloadavg()[0], 2)}
    print(json.dumps(results, indent=2), flush=True)
    Path(args.out).write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
