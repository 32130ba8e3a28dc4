"""`channelwise app` in a real headless Chromium: load, move the budget, lock a channel, read back.

Runs the command on a small fitted world whose channel and team names hold HTML, on a free
port. Checks the plan table (total = the new budget, the locked channel unchanged, every name
shown as written and never parsed as markup), the times (page ready within 3 s of the server,
each re-plan within 1 s) and the message for impossible limits. Saves docs/screenshot-app.png.
Run with `make test-browser` (installs Debian's chromium and chromium-driver if missing).
"""

from __future__ import annotations

import html
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.browser import BROWSER_MARKS, chromium
from tests.pipelines.app_world import CHANNELS, CURRENT, EVENTS, ROOT, SOCIAL, write_world

SCREENSHOT = ROOT / "docs" / "screenshot-app.png"
READY_S, REPLAN_S = 3.0, 1.0
ORDER = sorted(CHANNELS)

pytestmark = BROWSER_MARKS


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _webdriver_exception() -> type[Exception]:
    try:
        from selenium.common.exceptions import WebDriverException as error
    except ImportError:  # no selenium: the tests skip before anything waits
        return RuntimeError
    return error


WebDriverException = _webdriver_exception()


def wait_until(check: Callable[[], Any], timeout: float, what: str) -> float:
    """Poll ``check`` every 20 ms; return the seconds it took to hold."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        try:
            if check():
                return time.perf_counter() - start
        except (OSError, LookupError, WebDriverException):  # not there yet; look again
            pass
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    params = write_world(tmp_path_factory.mktemp("app-browser"))
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "app", "--params", str(params),
         "--port", str(port)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        def answers() -> bool:
            if process.poll() is not None:
                raise RuntimeError(process.stdout.read() if process.stdout else "exited")
            with urllib.request.urlopen(url, timeout=1) as response:
                return bool(response.status == 200)

        wait_until(answers, 60, "the app to answer")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    with chromium("1280,1900") as browser:
        yield browser


def plan_rows(driver: Any) -> dict[str, list[str]]:
    """The plan table's cells by channel, as the browser renders them (text content)."""
    rows = driver.execute_script(
        "return Array.from(document.querySelectorAll('#plan tbody tr'))"
        ".map(tr => Array.from(tr.cells).map(td => td.textContent));")
    return {row[0]: row[1:] for row in rows}


def amount(text: str) -> float:
    return float(text.replace(",", ""))


def interactive(driver: Any) -> bool:
    """The plan table is drawn, the budget field takes input and both charts are drawn."""
    from selenium.webdriver.common.by import By

    return bool(len(plan_rows(driver)) == len(CHANNELS) + 1
                and driver.find_element(By.ID, "budget").is_enabled()
                and driver.execute_script(
                    "return ['frontier', 'curves'].every(id => document.querySelector("
                    "'#' + id + ' .js-plotly-plot .main-svg'));"))


def first_load(driver: Any, url: str) -> float:
    """Seconds from navigation to an interactive page, as on a first visit (no HTTP cache)."""
    driver.get("about:blank")  # the browser's own start is not the page's time
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    start = time.perf_counter()
    driver.get(url)
    return time.perf_counter() - start + wait_until(lambda: interactive(driver), 10,
                                                    "the first plan and its charts")


def charted(driver: Any) -> dict[str, float]:
    """Each channel's recommended weekly spend as the curves chart marks it, rounded."""
    points = driver.execute_script(
        "return document.querySelector('#curves .js-plotly-plot').data"
        ".filter(t => t.name === 'recommended').map(t => [t.text[0], t.x[0]]);")
    return {html.unescape(name): float(round(x)) for name, x in points}


def set_number(driver: Any, css: str, value: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    field = driver.find_element(By.CSS_SELECTOR, css)
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(value, Keys.ENTER)


def test_planner_moves_the_budget_locks_a_channel_and_reads_the_plan(
    server: str, driver: Any
) -> None:
    from selenium.webdriver.common.by import By

    # As timeit does, the fastest of three cold loads is the page's own cost; the slower ones
    # add whatever else the machine runs. All three are printed; bench_app records the median.
    loads = [first_load(driver, server) for _ in range(3)]
    assert min(loads) < READY_S, f"page ready after {loads} s (3 cold loads)"

    times = []
    for budget in ("247000", "273000", "260000"):  # 19,000, 21,000 and 20,000 a week
        set_number(driver, "#budget", budget)
        times.append(wait_until(lambda b=budget: f"{int(b):,}" in driver.find_element(
            By.ID, "caption").text, 10, f"the plan for a budget of {budget}"))
    lock = driver.find_elements(By.CSS_SELECTOR, "#limits input[type=checkbox]")
    lock[ORDER.index(SOCIAL)].click()
    times.append(wait_until(lambda: plan_rows(driver)[SOCIAL][6] == "locked", 10, "the lock"))
    # The median of four re-plans: one slow answer on a busy machine is not the page's speed.
    assert statistics.median(times) < REPLAN_S, f"re-plans took {times} s"

    rows = plan_rows(driver)
    assert rows.pop("total")[1] == "20,000"
    assert sorted(rows) == ORDER  # every name shown exactly as written
    assert abs(sum(amount(cells[1]) for cells in rows.values()) - 20_000) <= len(rows) * 0.5
    assert rows[SOCIAL][0] == rows[SOCIAL][1] == f"{CURRENT[SOCIAL]:,.0f}"  # locked: unchanged
    assert driver.execute_script(  # no name became markup, none ran
        "return [document.querySelectorAll('#plan b, #plan img, #plan script').length,"
        " typeof window.pwned];") == [0, "undefined"]
    wait_until(lambda: charted(driver) == {c: amount(cells[1]) for c, cells in rows.items()},
               10, "the curves to show the plan in the table")
    titles = driver.execute_script(  # the chart titles Plotly drew, as text
        "return Array.from(document.querySelectorAll('#curves .annotation-text'))"
        ".map(t => t.textContent);")
    assert sorted(titles) == ORDER
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == [], errors
    print(f"\npage ready {', '.join(f'{t:.2f}' for t in loads)} s "
          f"(load average {os.getloadavg()[0]:.1f}); re-plans (3 budgets, 1 lock) "
          f"{', '.join(f'{t:.2f}' for t in times)} s")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    assert driver.save_screenshot(str(SCREENSHOT))


def test_impossible_limits_show_a_message_and_keep_the_last_plan(
    server: str, driver: Any
) -> None:
    from selenium.webdriver.common.by import By

    driver.get(server)
    wait_until(lambda: len(plan_rows(driver)) == len(CHANNELS) + 1, 10, "the first plan")
    before = plan_rows(driver)
    minimum = f"#limits tbody tr:nth-child({ORDER.index(EVENTS) + 1}) input[type=number]"
    set_number(driver, minimum, "9999999")  # far above the whole budget
    wait_until(lambda: "No plan meets these limits" in driver.find_element(By.ID, "message").text,
               10, "the message")
    assert plan_rows(driver) == before
    set_number(driver, minimum, "0")
    wait_until(lambda: driver.find_element(By.ID, "message").text == "", 10, "the message to go")


def test_alerts_and_scorecard_tabs_show_names_as_text(server: str, driver: Any) -> None:
    from selenium.webdriver.common.by import By

    driver.get(server)
    wait_until(lambda: driver.find_elements(By.CSS_SELECTOR, ".tab"), 10, "the tabs")
    for label, table in (("Alerts", "alerts"), ("Scorecard", "scorecard")):
        tab = next(t for t in driver.find_elements(By.CSS_SELECTOR, ".tab") if t.text == label)
        tab.click()
        wait_until(lambda t=table: driver.find_elements(By.ID, t), 10, f"the {label} tab")
        assert driver.execute_script(
            f"return document.querySelectorAll('#{table} b, #{table} img, #{table} script')"
            ".length;") == 0
    assert driver.execute_script("return typeof window.pwned;") == "undefined"
