"""The HTML report in a real browser: headless Chromium, driven by Playwright.

The report of a two-day run of ningxia_2025 opens from its file with no console error
and no request to the network; every figure is visible with a non-zero natural size;
the interactive dispatch draws and zooms to a day.

Needs the Debian ``chromium`` package (``apt-get install chromium``) and the Python
``playwright`` package (``pip install playwright``; its own browser download is not
used). Skipped, with the reason, when either is missing.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from gridsim.report.html import write_report
from gridsim.studies.balance import run_balance

CHROMIUM = os.environ.get("GRIDSIM_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCENARIO = """
base = "ningxia_2025"
[scenario]
name = "browser_test"
[study]
whole_year = false
start = "2025-04-07"
end = "2025-04-09"
network_model = "ptdf"
curtailment_by_cause = false
"""

sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (pip install playwright)")  # fmt: skip
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).is_file(),
    reason=f"needs Chromium at {CHROMIUM} (apt-get install chromium, or set GRIDSIM_CHROMIUM)",
)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("browser")
    (d / "sc.toml").write_text(SCENARIO)
    res = run_balance(d / "sc.toml")
    assert res.ok
    return write_report(res.write(d / "run"), dpi=50)


@pytest.fixture(scope="module")
def page(report: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=FLAGS,
            viewport={"width": 1400, "height": 1000},
        )  # fmt: skip
        page = context.new_page()
        page.errors = []  # console errors and uncaught exceptions
        page.requests = []  # anything but the file itself and data: URLs
        page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: page.errors.append(str(e)))

        def gate(route):  # type: ignore[no-untyped-def]
            url = route.request.url
            if url.startswith(("file://", "data:", "blob:")):
                route.continue_()
            else:
                page.requests.append(url)
                route.abort()

        context.route("**/*", gate)
        page.goto(report.as_uri(), wait_until="load")
        page.wait_for_selector("#dispatch-interactive .main-svg", timeout=30_000)
        yield page
        context.close()


def test_report_loads_without_console_errors_or_network(page) -> None:  # type: ignore[no-untyped-def]
    assert page.title() == "gridsim report: browser_test"
    assert page.errors == []
    assert page.requests == []


def test_every_figure_is_visible_with_a_natural_size(page) -> None:  # type: ignore[no-untyped-def]
    images = page.locator("figure img")
    n = images.count()
    assert n == 7
    for i in range(n):
        img = images.nth(i)
        img.scroll_into_view_if_needed()
        assert img.is_visible(), img.get_attribute("alt")
        size = img.evaluate("e => [e.complete, e.naturalWidth, e.naturalHeight, e.clientWidth, e.clientHeight]")  # fmt: skip
        assert size[0] and min(size[1:]) > 0, (img.get_attribute("alt"), size)
    assert page.errors == []


def test_interactive_dispatch_zooms_to_a_day(page) -> None:  # type: ignore[no-untyped-def]
    div = page.locator("#dispatch-interactive")
    div.scroll_into_view_if_needed()
    assert div.is_visible()
    traces = page.evaluate("() => document.getElementById('dispatch-interactive').data.length")
    assert traces >= 8  # sources, curtailment, charging and exports, demand
    assert page.locator("#dispatch-interactive .rangeslider-container").count() == 1
    page.locator("#dispatch-interactive .rangeselector .button", has_text="day").first.click()
    page.wait_for_timeout(500)
    span_h = page.evaluate(
        """() => { const r = document.getElementById('dispatch-interactive').layout.xaxis.range;
                   return (new Date(r[1]) - new Date(r[0])) / 3.6e6; }"""
    )
    assert span_h == pytest.approx(24.0, abs=1.0)
    assert page.errors == []
