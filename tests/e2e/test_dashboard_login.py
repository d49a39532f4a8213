"""The dashboards' login against a real OpenID Connect provider on 127.0.0.1 (oidc-provider-mock, an open-source
provider for tests: discovery, a signed ID token, registered clients with their secrets), `crm dashboard` as a user
starts it, Debian's Chromium driven by Playwright logging in as a viewer and as an analyst."""

import contextlib
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import duckdb
import pytest

from common.settings import PROJECT_ROOT
from tests.e2e.browser import BROWSER_TEST_MARKS, CHROMIUM, free_port, settle, wait_until_serving
from tests.processes import running, stop_process_tree

BIN = Path(sys.executable).parent
ANALYST_EMAIL = "ana.lyst@corp.test"
VIEWER_EMAIL = "vi.ewer@corp.test"

pytestmark = BROWSER_TEST_MARKS  # with an OpenID Connect provider besides


def _stop(server: subprocess.Popen) -> None:
    stopped = stop_process_tree(server)
    assert not [pid for pid in stopped if running(pid)]


@pytest.fixture(scope="module")
def provider():
    """The provider, refusing clients it has not registered (so the client secret is checked), with two users."""
    port = free_port()
    users = [json.dumps({"sub": "ana", "email": ANALYST_EMAIL, "email_verified": True}),
             json.dumps({"sub": "vic", "email": VIEWER_EMAIL, "email_verified": True})]
    server = subprocess.Popen(
        [str(BIN / "oidc-provider-mock"), "--host", "127.0.0.1", "--port", str(port), "--require-registration",
         "--require-nonce", *[arg for user in users for arg in ("--user-claims", user)]],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(f"{url}/.well-known/openid-configuration", server, "the OpenID Connect provider")
        yield url
    finally:
        _stop(server)


def _register(provider: str, folder: Path, client_secret: str | None = None) -> dict:
    """Streamlit's secrets for a client registered with the provider (which makes up its secret; `client_secret`
    replaces it, to see a wrong one refused)."""
    port = free_port()
    redirect_uri = f"http://127.0.0.1:{port}/oauth2callback"
    request = urllib.request.Request(
        f"{provider}/oauth2/clients", data=json.dumps({"redirect_uris": [redirect_uri]}).encode(),
        headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        client = json.loads(response.read())
    secrets = {
        "redirect_uri": redirect_uri,
        "cookie_secret": "cookie-" + os.urandom(16).hex(),
        "client_id": client["client_id"],
        "client_secret": client_secret or client["client_secret"],
        "server_metadata_url": f"{provider}/.well-known/openid-configuration",
    }
    path = folder / "secrets.toml"
    path.write_text("[auth]\n" + "".join(f'{key} = "{value}"\n' for key, value in secrets.items()))
    return {"port": port, "file": path, **secrets}


@contextlib.contextmanager
def _crm_dashboard(pipeline: dict, secrets: dict, log: Path):
    """`crm dashboard` with the login on, its output in `log`. On 127.0.0.1: on a wildcard address Streamlit
    looks up this machine's public address on the internet to print it."""
    env = {**pipeline["env"], "CRM_PATHS_DASHBOARD_SECRETS": str(secrets["file"]),
           "CRM_DASHBOARD_ANALYST_EMAILS": ANALYST_EMAIL.upper()}  # the allow-list is matched in any case
    with log.open("wb") as output:
        server = subprocess.Popen(
            [str(BIN / "crm"), "dashboard", "--address", "127.0.0.1", "--port", str(secrets["port"])],
            cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{secrets['port']}"
    try:
        wait_until_serving(f"{url}/_stcore/health", server, "crm dashboard")
        yield {"url": url, "log": log, "secrets": secrets}
    finally:
        _stop(server)


@pytest.fixture(scope="module")
def dashboard(pipeline, provider, tmp_path_factory):
    folder = tmp_path_factory.mktemp("dashboard")
    with _crm_dashboard(pipeline, _register(provider, folder), folder / "output.log") as running_dashboard:
        yield running_dashboard


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        yield browser
        browser.close()


def _log_in(browser, url: str, subject: str):
    """A fresh browser session logged in through the provider's form as `subject`: its page, on the dashboards."""
    context = browser.new_context(viewport={"width": 1400, "height": 1600}, accept_downloads=True)
    page = context.new_page()
    page.goto(url)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/oauth2/authorize**", timeout=30_000)  # the provider's own page
    page.locator(f'button[name="sub"][value="{subject}"]').click()
    page.wait_for_url(f"{url}/**", timeout=30_000)
    settle(page)
    return page


def _page_links(page) -> set[str]:
    """The url paths of the sidebar's pages (the default page's link is the root, without one)."""
    hrefs = page.locator('[data-testid="stSidebarNav"] a').evaluate_all("links => links.map(a => a.href)")
    return {href.rstrip("/").rsplit("/", 1)[-1] for href in hrefs}


def _table_cells(page) -> list[str]:
    """The text of every table cell shown (Streamlit draws its tables on a canvas, with these cells for reading)."""
    page.locator("[data-testid='stDataFrame'] [role='gridcell']").first.wait_for(state="attached", timeout=30_000)
    return page.locator("[data-testid='stDataFrame'] [role='gridcell']").all_inner_texts()


def _sample_names(serving_db: Path) -> list[str]:
    """Every customer's name, from the full file (the predictions page lists customers at risk and leads by name)."""
    con = duckdb.connect(str(serving_db), read_only=True)
    try:
        return [n for (n,) in con.execute(
            "select full_name from marts.dim_customers where full_name is not null").fetchall()]
    finally:
        con.close()


def test_before_logging_in_nothing_but_the_login_is_shown(dashboard, browser):
    context = browser.new_context()
    page = context.new_page()
    for path in ("", "/customer_360", "/segments"):
        page.goto(dashboard["url"] + path)
        page.get_by_role("button", name="Log in").wait_for(timeout=60_000)
        settle(page)
        assert page.locator('[data-testid="stSidebarNav"] a').count() == 0
        assert page.get_by_text("Customer 360", exact=False).count() == 1  # the login page's title alone
    context.close()


def test_a_viewer_gets_neither_customer_360_nor_contact_lists_nor_names(dashboard, browser, pipeline):
    page = _log_in(browser, dashboard["url"], "vic")
    assert VIEWER_EMAIL in page.locator('[data-testid="stSidebar"]').inner_text()
    links = _page_links(page)
    assert {"segments", "funnel", "predictions"} <= links
    assert "customer_360" not in links and "data_health" not in links
    for path in sorted(links & {"segments", "funnel", "retention", "sales", "marketing", "service"}):
        # Every page a viewer has works on the file without PII.
        page.goto(f"{dashboard['url']}/{path}")
        settle(page)
        errors = page.locator('[data-testid="stException"]')
        assert errors.count() == 0, f"{path}: {errors.all_inner_texts()}"
        assert page.get_by_text("is not ready for this page").count() == 0, path

    # Typed in by hand, the page is not there: Streamlit falls back to the default page.
    page.goto(dashboard["url"] + "/customer_360")
    settle(page)
    assert page.locator("h1").first.inner_text() != "Customer 360"
    assert page.get_by_placeholder("Name, email, phone number (any format) or company").count() == 0

    page.goto(dashboard["url"] + "/segments")
    settle(page)
    page.get_by_text("for analysts only").wait_for(timeout=60_000)  # in place of the list and the download
    assert page.get_by_role("button", name="Download the contact list (CSV)").count() == 0

    # The predictions page lists customers by value: a viewer's copy holds no name of any of them.
    page.goto(dashboard["url"] + "/predictions")
    settle(page)
    cells = _table_cells(page)
    assert cells  # its lists are shown
    text = page.locator("[data-testid='stMain']").inner_text() + "\n".join(cells)
    assert [name for name in _sample_names(pipeline["serving_db"]) if name in text] == []
    page.context.close()


def test_an_analyst_gets_customer_360_and_downloads_a_contact_list(dashboard, browser, pipeline):
    page = _log_in(browser, dashboard["url"], "ana")
    assert "customer_360" in _page_links(page) and "data_health" in _page_links(page)

    page.goto(dashboard["url"] + "/customer_360")
    settle(page)
    assert page.locator("h1").first.inner_text() == "Customer 360"

    page.goto(dashboard["url"] + "/segments")
    settle(page)
    button = page.get_by_role("button", name="Download the contact list (CSV)")
    with page.expect_download(timeout=60_000) as download:
        button.click()
    header = Path(download.value.path()).read_text().splitlines()[0]
    assert "primary_email" in header and "full_name" in header

    page.goto(dashboard["url"] + "/predictions")
    settle(page)
    # The same page names customers for an analyst.
    assert [name for name in _sample_names(pipeline["serving_db"]) if name in _table_cells(page)]
    page.context.close()


def _secrets_in(content: bytes, secrets: dict) -> list[str]:
    return [key for key in ("client_secret", "cookie_secret") if secrets[key].encode() in content]


def test_a_wrong_client_secret_is_refused_without_showing_it(pipeline, provider, browser, tmp_path):
    wrong = "wrong-" + os.urandom(12).hex()
    secrets = _register(provider, tmp_path, client_secret=wrong)
    with _crm_dashboard(pipeline, secrets, tmp_path / "out.log") as wrong_one:
        page = browser.new_context().new_page()
        page.goto(wrong_one["url"])
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/oauth2/authorize**", timeout=30_000)
        page.locator('button[name="sub"][value="ana"]').click()
        page.wait_for_url(f"{wrong_one['url']}/**", timeout=30_000)
        page.get_by_role("button", name="Log in").wait_for(timeout=60_000)  # not logged in: back to the login
        shown = page.content().encode()
        page.context.close()
    assert b'data-testid="stSidebarNav"' not in shown  # no page of the dashboards
    assert _secrets_in(shown, wrong_one["secrets"]) == []
    assert _secrets_in((tmp_path / "out.log").read_bytes(), wrong_one["secrets"]) == []


def test_the_client_and_cookie_secrets_are_in_no_log_page_or_warehouse_file(dashboard, browser, pipeline):
    """After the logins above: what `crm dashboard` printed, what a logged-in page holds and every file of the data
    folder (build, serving and health files, landing) have neither secret."""
    page = _log_in(browser, dashboard["url"], "ana")
    shown = page.content().encode()
    cookies = page.context.cookies()
    page.context.close()
    secrets = dashboard["secrets"]
    assert cookies  # the login's session cookie is there, signed with the cookie secret, not holding it
    assert _secrets_in(shown, secrets) == []
    assert _secrets_in(json.dumps(cookies).encode(), secrets) == []
    assert _secrets_in(dashboard["log"].read_bytes(), secrets) == []
    files = [path for path in Path(pipeline["data"]).rglob("*") if path.is_file()]
    assert len(files) > 10
    assert [(str(path), _secrets_in(path.read_bytes(), secrets)) for path in files
            if _secrets_in(path.read_bytes(), secrets)] == []
