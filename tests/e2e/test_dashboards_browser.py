"""The dashboards in a real browser: `streamlit run` on the end-to-end pipeline's published file, Debian's Chromium
driven by Playwright opens every page, waits for its charts, fails on any Streamlit exception and saves a
screenshot of each page (to CRM_DASHBOARD_SCREENSHOTS when set, e.g. docs/screenshots, else a temporary folder)."""

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from common.settings import PROJECT_ROOT
from dashboards.queries import PAGE_QUERIES
from tests.e2e.browser import BROWSER_TEST_MARKS, CHROMIUM, free_port, settle, wait_until_serving
from tests.processes import running, stop_process_tree

pytestmark = BROWSER_TEST_MARKS

# Pages whose first view shows at least one Plotly chart on the test warehouse.
PAGES_WITH_CHARTS = {"overview", "segments", "funnel", "retention", "sales", "marketing", "service"}


@pytest.fixture(scope="module")
def dashboard_url(pipeline):
    port = free_port()
    env = {**os.environ, "CRM_PATHS_SERVING_DB": str(pipeline["serving_db"])}
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "dashboards" / "app.py"),
         "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
         "--browser.gatherUsageStats", "false", "--client.toolbarMode", "viewer"],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(f"{url}/_stcore/health", server, "streamlit")
        yield url
    finally:
        stopped = stop_process_tree(server)
        assert not [pid for pid in stopped if running(pid)]


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("CRM_DASHBOARD_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        yield page
        browser.close()


def _no_exception(page, name: str) -> None:
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, f"{name}: " + " | ".join(errors.all_inner_texts())


# A card's label that does not fit its card is cut off with an ellipsis: its text is wider than its box.
CUT_OFF_LABELS_JS = """() => [...document.querySelectorAll('[data-testid="stMetricLabel"]')]
    .filter(label => [label, ...label.querySelectorAll('*')].some(e => e.scrollWidth > e.clientWidth + 1))
    .map(label => label.innerText)"""


def test_every_page_renders_its_charts_without_an_exception(pipeline, dashboard_url, browser_page, screenshots):
    page = browser_page
    con = duckdb.connect(str(pipeline["serving_db"]), read_only=True)
    try:
        [(customer_name,)] = con.execute(
            "select full_name from marts.dim_customers where full_name is not null "
            "order by touchpoint_count desc, customer_id limit 1").fetchall()
    finally:
        con.close()
    for name in PAGE_QUERIES:
        page.goto(f"{dashboard_url}/{'' if name == 'overview' else name}")
        settle(page)
        if name == "customer_360":
            search = page.get_by_role("textbox").first
            search.fill(customer_name)
            search.press("Enter")
            page.wait_for_selector('[data-testid="stHeading"] h2', timeout=60_000)
            page.wait_for_selector('[data-testid="stDataFrame"]', state="attached", timeout=60_000)
        if name in PAGES_WITH_CHARTS:
            # Plotly draws into its own SVG; "attached" because Playwright does not count its points as visible.
            page.wait_for_selector(".js-plotly-plot .main-svg", state="attached", timeout=60_000)
        settle(page)
        page.wait_for_timeout(300)
        _no_exception(page, name)
        assert page.evaluate(CUT_OFF_LABELS_JS) == [], name
        page.screenshot(path=str(screenshots / f"{name}.png"))

    # The language switch, in the browser: the same page in Japanese.
    page.goto(dashboard_url)
    settle(page)
    page.get_by_text("日本語", exact=True).click()
    page.wait_for_selector("h1:has-text('概要')", timeout=60_000)
    # Every label redrawn: the sidebar's comparison picker and the trend's chosen KPIs too.
    page.wait_for_selector("[data-testid='stSidebar'] :text('比較対象')", timeout=60_000)
    page.wait_for_selector("[data-testid='stMultiSelect'] :text('新規顧客')", timeout=60_000)
    page.wait_for_selector(".js-plotly-plot .main-svg", state="attached", timeout=60_000)
    settle(page)
    page.wait_for_timeout(500)
    _no_exception(page, "overview (ja)")
    assert page.evaluate(CUT_OFF_LABELS_JS) == [], "overview (ja)"
    page.screenshot(path=str(screenshots / "overview-ja.png"))
    # The language is in the URL: a reload (or the link sent to someone) opens in Japanese again.
    assert "language=ja" in page.url
    page.reload()
    page.wait_for_selector("h1:has-text('概要')", timeout=60_000)
    # Japanese labels are longer on the screen: none may be cut off either.
    for name in PAGES_WITH_CHARTS - {"overview"}:
        page.goto(f"{dashboard_url}/{name}?language=ja")
        settle(page)
        page.wait_for_selector(".js-plotly-plot .main-svg", state="attached", timeout=60_000)
        settle(page)
        _no_exception(page, f"{name} (ja)")
        assert page.evaluate(CUT_OFF_LABELS_JS) == [], f"{name} (ja)"
    assert {p.stem for p in screenshots.glob("*.png")} >= {*PAGE_QUERIES, "overview-ja"}
