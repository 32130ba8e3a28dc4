"""reports/index.html in a real headless Chromium: no console errors, all sections, all images.

Builds the page with the real pipeline (`dvc repro` on the small simulated world in a temp
copy of the project) or, when CHANNELWISE_ROOT names a project that already holds outputs,
regenerates it there with `channelwise report`. Saves docs/screenshot-report.png.
Run with `make test-browser` (installs Debian's chromium and chromium-driver if missing).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import BROWSER_MARKS, chromium

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "screenshot-report.png"
SECTION_IDS = ("plan", "cltv", "leads", "kpis", "model-cards")

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def page(pipeline_outputs: Path, run_in_project) -> Path:
    if os.environ.get("CHANNELWISE_ROOT"):
        run_in_project([sys.executable, "-m", "pipelines.cli", "report"], pipeline_outputs)
    path = pipeline_outputs / "reports" / "index.html"
    assert path.is_file(), "the pipeline did not write reports/index.html"
    return path


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    with chromium("1280,1700") as browser:
        yield browser


def test_report_loads_offline_with_every_section_and_image(page: Path, driver: Any) -> None:
    from selenium.webdriver.common.by import By

    driver.get(page.as_uri())
    errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == [], errors
    for section_id in SECTION_IDS:
        section = driver.find_element(By.ID, section_id)
        assert section.tag_name == "section" and section.text.strip(), section_id
    images = driver.find_elements(By.TAG_NAME, "img")
    assert images, "the page has no images"
    broken = driver.execute_script(
        "return Array.from(document.images)"
        ".filter(img => !(img.complete && img.naturalWidth > 0)).map(img => img.alt);")
    assert broken == [], broken
    assert driver.execute_script(
        "return performance.getEntriesByType('resource').length;") == 0  # nothing fetched
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    assert driver.save_screenshot(str(SCREENSHOT))
