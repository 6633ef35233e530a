"""The explain page in a real browser: headless Chromium opens it, the highlighted spans are
visible, and a screenshot is taken.

Needs the Debian packages ``chromium`` and ``chromium-driver`` and the ``selenium`` package
(``.ci/run`` installs them); skips with the reason when any is missing.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from classifier.explain import explain
from classifier.scoring import Classifier

from .conftest import seed_texts

CHROMIUM = os.environ.get("SPAMFILTER_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("SPAMFILTER_CHROMEDRIVER", "/usr/bin/chromedriver")

CHROMIUM_FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run", "--disable-default-apps", "--disable-extensions",
    "--window-size=1400,1000",
)


def _missing() -> str | None:
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not (Path(path).is_file() or shutil.which(path)):
            return f"{path} not found: install the Debian package {package} (.ci/run does)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed: pip install -e '.[test]'"
    return None


pytestmark = pytest.mark.skipif(_missing() is not None, reason=_missing() or "")


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="spamfilter-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def test_highlighted_spans_are_visible(browser, small_model, tmp_path):
    from selenium.webdriver.common.by import By

    classifier = Classifier(small_model, {})
    texts = seed_texts()
    ids = list(texts)
    docs = classifier.predict_batch([texts[k] for k in ids])
    expected_spans = sum(len(p.spans) for d in docs for p in d.paragraphs)
    page = tmp_path / "explain.html"
    page.write_text(explain([texts[k] for k in ids], ids, classifier), "utf-8")

    browser.get(page.as_uri())
    assert browser.execute_script("return document.readyState") == "complete"
    paragraphs = browser.find_elements(By.CSS_SELECTOR, "div.para")
    assert len(paragraphs) == sum(len(d.paragraphs) for d in docs)
    marks = browser.find_elements(By.CSS_SELECTOR, "mark.inj[data-start]")
    assert expected_spans > 0 and len(marks) == expected_spans
    first = marks[0]
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", first)
    assert first.is_displayed()
    assert first.size["width"] > 0 and first.size["height"] > 0
    invisible = sum(not (m.is_displayed() and m.size["width"] > 0 and m.size["height"] > 0)
                    for m in marks)
    assert invisible == 0
    # the highlight is drawn: a background colour, not transparent
    background = first.value_of_css_property("background-color")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")

    # the index sorts by spam ratio when its header is clicked
    header = browser.find_element(By.XPATH, "//table[@class='index']//th[text()='spam ratio']")
    header.click()
    ratios = [float(td.get_attribute("data-v")) for td in browser.find_elements(
        By.CSS_SELECTOR, "table.index tbody tr td:nth-child(4)")]
    assert ratios == sorted(ratios)
    header.click()
    ratios = [float(td.get_attribute("data-v")) for td in browser.find_elements(
        By.CSS_SELECTOR, "table.index tbody tr td:nth-child(4)")]
    assert ratios == sorted(ratios, reverse=True)

    shot = tmp_path / "explain.png"
    assert browser.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
