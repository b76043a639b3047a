"""Shared pieces of the browser tests: the app on a local port, one headless Chromium per module, a logged-in profile.

conftest.py registers this module as a plugin, so every test module can ask for its fixtures.
"""

import threading
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from tests.factories import login

CHROMIUM = "/usr/bin/chromium"
"""Debian's Chromium: `make test` installs it; Playwright cannot download browsers here."""


@pytest.fixture
def live_server(app):
    """The app served on a free local port for the browser."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the whole module (each test opens its own context), or a loud failure."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing; run the tests with `make test`, which installs it.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield browser
        browser.close()


def new_context(browser, base, app=None, user=None, **options):
    """A fresh browser profile (options as for `browser.new_context`), logged in as user when one is given.

    The login goes through the real form with Flask's test client and the browser gets its session cookie:
    the same session as typing the password, in a tenth of the time.
    """
    context = browser.new_context(**options)
    if user is not None:
        client = app.test_client()
        login(client, user)
        cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
        context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base}])
    return context
