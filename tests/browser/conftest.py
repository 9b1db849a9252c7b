"""Browser tests: Debian's Chromium driven by Playwright against a real server (werkzeug, in a
thread) on a temp instance holding the sample archive and tests/fixtures/news.jsonl."""
from __future__ import annotations

import os
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import FIXTURES, ROOT, build_instance, skip_or_fail

CHROMIUM = os.environ.get("ARSHIF_CHROMIUM", "/usr/bin/chromium")
# Flags known to work headless on these machines (no sandbox as root, no calls home).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]
ARTIFACTS = Path(__file__).parent / "artifacts"


@contextmanager
def running(app) -> Iterator[str]:
    """``app`` served by werkzeug in a thread on a free port; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def server_app(tmp_path_factory):
    """The app the browser tests' server runs (for setting up accounts and the like)."""
    return build_instance(tmp_path_factory.mktemp("browser") / "instance", ROOT / "sample",
                          FIXTURES / "news.jsonl", RATELIMIT_ENABLED=False, TESTING=False)


@pytest.fixture(scope="session")
def server_url(server_app):
    with running(server_app) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("the playwright package is not installed (pip install -e '.[test]')")
    if not (shutil.which(CHROMIUM) or os.path.exists(CHROMIUM)):
        skip_or_fail(f"no Chromium at {CHROMIUM} (apt-get install chromium fonts-noto-core; make test-deps)")
    with sync_playwright() as p:
        try:
            b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        except Exception as exc:  # a broken install: say why
            skip_or_fail(f"Chromium at {CHROMIUM} did not start: {exc}")
        yield b
        b.close()


@pytest.fixture
def page(browser, server_url):
    """A fresh page (own cookies) that fails the test on any console error or JS dialog."""
    context = browser.new_context(base_url=server_url, viewport={"width": 1280, "height": 900},
                                  locale="ar", accept_downloads=True)
    pg = context.new_page()
    problems: list[str] = []
    pg.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    pg.on("pageerror", lambda e: problems.append(f"page error: {e}"))

    def on_dialog(d):
        problems.append(f"dialog: {d.message}")
        d.dismiss()
    pg.on("dialog", on_dialog)
    pg.problems = problems
    yield pg
    context.close()
    assert not problems, problems


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
