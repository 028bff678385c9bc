"""One <script> tag on another site: data- attributes, CORS for configured origins only, asset headers."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from actions.knowledge_loader import DEFAULT_KNOWLEDGE_FILE, load_knowledge_base
from tests.browser.chat_widget import ChatWidget

KNOWLEDGE = load_knowledge_base(DEFAULT_KNOWLEDGE_FILE)
GREETING = "Welcome to Sunrise Dermatology! Ask me anything about microneedling."


def request(url: str, method: str = "GET", headers: dict[str, str] | None = None, body: bytes | None = None):
    """Status and headers of a plain HTTP request (no browser)."""
    prepared = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(prepared, timeout=30) as reply:
            return reply.status, reply.headers, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_cross_origin_embed_with_data_attributes(stack, clinic_site, page: Page, events, snap) -> None:
    tag = (
        f'<script src="{stack.widget_script_url}" data-title="Sunrise Dermatology" data-color="#7c3aed" '
        f'data-text-color="#ffffff" data-greeting="{GREETING}" defer></script>'
    )
    page.goto(clinic_site.embed_page("/sunrise.html", tag))
    chat = ChatWidget(page)
    expect(chat.launcher).to_have_css("background-color", "rgb(124, 58, 237)")
    chat.open_and_wait_for_greeting()
    expect(page.locator(".cc-title")).to_have_text("Sunrise Dermatology")
    expect(chat.bot_bubbles().first).to_have_text(GREETING)
    expect(chat.chips).to_have_count(len(KNOWLEDGE.menu) + 2)  # the menu, booking and the team
    chat.ask("How much does it cost?")  # a real cross-origin POST with a CORS preflight
    expect(chat.bot_bubbles().filter(has_text="per session")).not_to_have_count(0)
    snap(page, "embedded-on-clinic-site")
    origins = {f"{urlsplit(url).scheme}://{urlsplit(url).netloc}" for url in events.requests if url.startswith("http")}
    assert origins == {clinic_site.origin, stack.rasa_url}


def test_unsafe_colour_is_ignored(stack, clinic_site, page: Page) -> None:
    tag = f'<script src="{stack.widget_script_url}" data-color="red; background: url(https://evil.example/x)" defer>'
    page.goto(clinic_site.embed_page("/bad-colour.html", tag + "</script>"))
    expect(ChatWidget(page).launcher).to_have_css("background-color", "rgb(15, 118, 110)")


def test_unlisted_origin_in_a_real_browser_is_refused(stack, clinic_site, page: Page, snap) -> None:
    """The same page from another origin (localhost, not 127.0.0.1) is not allowed to chat."""
    url = clinic_site.embed_page("/elsewhere.html", f'<script src="{stack.widget_script_url}" defer></script>')
    page.goto(url.replace("127.0.0.1", "localhost"))
    chat = ChatWidget(page)
    chat.open()
    expect(chat.error).to_contain_text("can't be reached")
    snap(page, "unlisted-origin-refused")


@pytest.mark.parametrize("method", ["OPTIONS", "POST"])
def test_cors_headers_only_for_configured_origins(stack, clinic_site, method: str) -> None:
    body = json.dumps({"sender": "cors-check", "message": "hi"}).encode() if method == "POST" else None
    for origin, allowed in ((clinic_site.origin, True), ("http://evil.example", False)):
        headers = {"Origin": origin, "Content-Type": "application/json"}
        if method == "OPTIONS":
            headers |= {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
        _, reply_headers, _ = request(stack.webhook_url, method, headers, body)
        assert reply_headers.get("Access-Control-Allow-Origin") == (origin if allowed else None), origin


def test_assets_are_served_with_safe_headers(stack) -> None:
    status, headers, body = request(stack.widget_script_url)
    assert status == 200
    assert headers["Content-Type"].startswith("application/javascript")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert b"renderMarkdown" in body
    status, _, _ = request(stack.widget_script_url, headers={"If-None-Match": headers["ETag"]})
    assert status == 304
    status, headers, _ = request(stack.widget_demo_url)
    assert status == 200
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    for path in ("nope.js", "..%2Fcredentials.yml", "demo.html", "..%2F..%2Fcredentials.yml"):
        status, _, body = request(f"{stack.rasa_url}/webhooks/widget/{path}")
        assert status == 404, path
        assert b"GuardedRestInput" not in body
