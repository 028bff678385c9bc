"""Real servers, a real headless Chromium, and a second "clinic" website that embeds the widget.

The Rasa server and action server are started the way ``make run`` starts them
(``service.launcher.running_stack``). CORS is configured for the clinic site's
origin only, so the cross-origin embed goes through a real browser preflight and
any other origin is refused. Screenshots of each step land in results/browser/.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from service.launcher import DEFAULT_MODEL, PROJECT_ROOT, SQLITE_TRACKER_STORE, Stack, free_port, running_stack

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
ARTIFACTS = PROJECT_ROOT / "results" / "browser"
# Headless, and no calls to Google's services (this machine has no way out).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Answers come from the real model on a shared 2-core machine.
expect.set_options(timeout=60_000)


@dataclass
class ClinicSite:
    """A plain website on another origin, serving pages the tests register."""

    origin: str
    pages: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)

    def page(self, path: str, html: str) -> str:
        self.pages[path] = html
        return f"{self.origin}{path}"

    def file(self, path: str, body: bytes, content_type: str) -> str:
        """Serve ``body`` at ``path`` (a script the clinic hosts itself, e.g. rasa-webchat's bundle)."""
        self.files[path] = (body, content_type)
        return f"{self.origin}{path}"

    def embed_page(self, path: str, script_tag: str) -> str:
        """A clinic page with nothing but some text and the one-line embed."""
        html = (
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'><title>Clinic</title>"
            "<link rel='icon' href='data:,'></head>"
            f"<body><h1>Another clinic's page</h1><p>Welcome.</p>{script_tag}</body></html>"
        )
        return self.page(path, html)


@pytest.fixture(scope="session")
def clinic_site() -> Iterator[ClinicSite]:
    port = free_port()
    site = ClinicSite(origin=f"http://127.0.0.1:{port}")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served = site.files.get(self.path.split("?")[0])
            if served is not None:
                self.send_response(200)
                self.send_header("Content-Type", served[1])
                self.end_headers()
                self.wfile.write(served[0])
                return
            html = site.pages.get(self.path.split("?")[0])
            self.send_response(200 if html else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write((html or "not found").encode())

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield site
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def stack(clinic_site: ClinicSite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not DEFAULT_MODEL.exists():
        pytest.fail("no trained model; run `make train`")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    database = tmp_path_factory.mktemp("trackers") / "trackers.db"
    env = {"TRACKER_STORE_TYPE": SQLITE_TRACKER_STORE, "TRACKER_STORE_URL": f"sqlite:///{database}"}
    with running_stack(
        rasa_port=free_port(), action_port=free_port(), env=env, log_dir=ARTIFACTS, cors=clinic_site.origin
    ) as running:
        yield running


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found; `make chromium` installs Debian's chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh profile per test: empty localStorage, as for a first-time visitor."""
    fresh = browser.new_context(viewport={"width": 1280, "height": 800})
    yield fresh
    fresh.close()


@dataclass
class PageEvents:
    """What the page did that a test may want to forbid: dialogs, script errors, requests."""

    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


def watch(page: Page) -> PageEvents:
    events = PageEvents()

    def on_dialog(dialog) -> None:
        events.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: events.errors.append(str(error)))
    page.on("request", lambda request: events.requests.append(request.url))
    return events


@pytest.fixture
def page(context: BrowserContext, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A tab in the fresh profile; a script error on it fails the test."""
    opened = context.new_page()
    request.node.page_events = watch(opened)
    yield opened
    assert request.node.page_events.errors == [], "the page raised script errors"


@pytest.fixture
def events(page: Page, request: pytest.FixtureRequest) -> PageEvents:
    return request.node.page_events


@pytest.fixture
def snap(request: pytest.FixtureRequest) -> Callable[[Page, str], Path]:
    """Save a screenshot as results/browser/<test>--<NN>-<step>.png."""
    test_name = re.sub(r"[^A-Za-z0-9_-]+", "_", request.node.name)
    counter = iter(range(1, 100))

    def take(target: Page, step: str) -> Path:
        path = ARTIFACTS / f"{test_name}--{next(counter):02d}-{step}.png"
        target.screenshot(path=str(path))
        return path

    return take
