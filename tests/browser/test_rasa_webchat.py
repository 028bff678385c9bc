"""The community ``rasa-webchat`` widget, from the npm registry, chatting with this assistant over socket.io.

A clinic that already embeds rasa-webchat only points ``socketUrl`` at this server. The widget is the pinned
package in tests/browser/webchat (``npm ci`` by ``make webchat``, which ``make browser`` runs first); its built
UMD bundle is served by the clinic site of conftest.py, an origin that RASA_CORS_ORIGINS names, so the browser
goes through the same origin check as a clinic's real page. Nothing comes from a CDN.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from actions.knowledge_loader import DEFAULT_KNOWLEDGE_FILE, load_knowledge_base
from service.launcher import PROJECT_ROOT, Stack
from tests.browser.conftest import ClinicSite, PageEvents, watch

KNOWLEDGE = load_knowledge_base(DEFAULT_KNOWLEDGE_FILE)
WEBCHAT_DIR = PROJECT_ROOT / "tests" / "browser" / "webchat"
WEBCHAT_BUNDLE = WEBCHAT_DIR / "node_modules" / "rasa-webchat" / "lib" / "index.js"
QUESTION = "Does microneedling hurt?"
GOOGLE_FONTS = "https://fonts.googleapis.com/"


def webchat_version() -> str:
    return json.loads((WEBCHAT_BUNDLE.parent.parent / "package.json").read_text())["version"]


def plain(markdown: str) -> str:
    """The first line of an answer as the widget shows it (Markdown emphasis rendered, not shown)."""
    return re.sub(r"[*_]", "", markdown.strip().split("\n")[0])


@pytest.fixture(scope="module")
def webchat_page(clinic_site: ClinicSite, stack: Stack) -> Callable[[str], str]:
    """The clinic page with rasa-webchat as its README embeds it; the page's address on a given origin."""
    if not WEBCHAT_BUNDLE.exists():
        pytest.fail(f"{WEBCHAT_BUNDLE} missing; `make webchat` installs the pinned rasa-webchat with npm ci")
    pinned = json.loads((WEBCHAT_DIR / "package.json").read_text())["dependencies"]["rasa-webchat"]
    assert webchat_version() == pinned, "node_modules is not the pinned version; run `make webchat`"
    clinic_site.file("/vendor/rasa-webchat.js", WEBCHAT_BUNDLE.read_bytes(), "application/javascript; charset=utf-8")
    settings = {
        "selector": "#webchat",
        "initPayload": "/greet",
        "customData": {"language": "en"},
        "socketUrl": stack.rasa_url,
        "socketPath": "/socket.io/",
        "title": "Riverside Skin Clinic",
        "subtitle": "Questions about microneedling?",
        "inputTextFieldHint": "Type a message...",
    }
    html = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Clinic (rasa-webchat)</title>"
        "<link rel='icon' href='data:,'></head><body><h1>A clinic that already embeds rasa-webchat</h1>"
        "<div id='webchat'></div><script src='/vendor/rasa-webchat.js'></script>"
        f"<script>window.WebChat.default({json.dumps(settings)}, null);</script></body></html>"
    )
    clinic_site.page("/rasa-webchat.html", html)
    return lambda origin: f"{origin}/rasa-webchat.html"


class Webchat:
    """rasa-webchat on one page, through its visible controls."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.launcher = page.locator(".rw-launcher")
        self.input = page.locator(".rw-new-message")
        self.bot = page.locator(".rw-response .rw-message-text")
        self.visitor = page.locator(".rw-client")
        self.replies = page.locator(".rw-reply")

    def open(self) -> None:
        self.launcher.click()
        expect(self.input).to_be_visible()

    def ask(self, text: str) -> None:
        self.input.fill(text)
        self.input.press("Enter")

    def session_id(self) -> str | None:
        """The session id rasa-webchat keeps in the browser (its ``chat_session`` entry)."""
        return self.page.evaluate(
            """() => {
                for (const store of [localStorage, sessionStorage]) {
                    for (const key of Object.keys(store)) {
                        try {
                            const value = JSON.parse(store.getItem(key));
                            if (value && typeof value.session_id === "string") return value.session_id;
                        } catch (e) {}
                    }
                }
                return null;
            }"""
        )


@dataclass
class Visit:
    """One visitor: a fresh browser profile on the page, and what the page did."""

    page: Page
    chat: Webchat
    events: PageEvents
    sockets: list[str] = field(default_factory=list)

    def close(self) -> None:
        self.page.context.close()


def open_webchat(browser: Browser, url: str) -> Visit:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    # rasa-webchat's stylesheet imports the Inter font from Google Fonts; this machine has no way out, so the
    # request is refused at once instead of hanging (docs/widget.md says how a clinic avoids it).
    context.route(f"{GOOGLE_FONTS}**", lambda route: route.abort())
    page = context.new_page()
    visit = Visit(page, Webchat(page), watch(page))
    page.on("websocket", lambda socket: visit.sockets.append(socket.url))
    page.goto(url)
    return visit


def test_rasa_webchat_chats_with_the_assistant_over_websocket(
    browser: Browser, stack: Stack, clinic_site: ClinicSite, webchat_page: Callable[[str], str], snap
) -> None:
    visit = open_webchat(browser, webchat_page(clinic_site.origin))
    page, chat = visit.page, visit.chat
    try:
        expect(chat.launcher).to_be_visible()
        snap(page, "closed")
        chat.open()
        # initPayload "/greet" is sent once the session is confirmed: the greeting and its topic menu.
        expect(chat.bot.first).to_have_text(KNOWLEDGE.messages["greeting"])
        expect(chat.replies.first).to_be_visible()
        snap(page, "greeting")

        chat.ask(QUESTION)
        expect(chat.visitor.last).to_have_text(QUESTION)
        expect(chat.bot.filter(has_text=plain(KNOWLEDGE.faqs["ask_pain"].answer))).to_have_count(1)
        answer = chat.bot.filter(has_text=plain(KNOWLEDGE.faqs["ask_pain"].answer)).first
        expect(answer.locator("strong").first).to_have_text("mild to moderate discomfort")
        expect(chat.bot.filter(has_text=KNOWLEDGE.disclaimer)).not_to_have_count(0)
        # The answer's follow-up topics, moved under the disclaimer where rasa-webchat shows them.
        expect(chat.replies.filter(has_text=KNOWLEDGE.title("ask_recovery"))).to_be_visible()
        snap(page, "faq-answer")

        recovery = KNOWLEDGE.title("ask_recovery")
        chat.replies.filter(has_text=recovery).first.click()
        expect(chat.visitor.last).to_have_text(recovery)  # rasa-webchat shows the title, sends the payload
        expect(chat.bot.filter(has_text=plain(KNOWLEDGE.faqs["ask_recovery"].answer))).to_have_count(1)
        expect(chat.replies.first).to_be_visible()  # the last message is in, with its own follow-ups
        snap(page, "quick-reply-answer")

        session_id = chat.session_id()
        assert session_id and re.fullmatch(r"[0-9a-f]{32}", session_id), session_id
        socket_url = stack.rasa_url.replace("http://", "ws://") + "/socket.io/"
        assert any(url.startswith(socket_url) for url in visit.sockets), visit.sockets  # upgraded to a WebSocket
        allowed = (clinic_site.origin, stack.rasa_url, "data:")
        outside = [url for url in visit.events.requests if not url.startswith(allowed)]
        # The widget and everything it chats through come from the clinic and the assistant; only rasa-webchat's
        # own font import points elsewhere.
        assert all(url.startswith(GOOGLE_FONTS) for url in outside), outside
        assert visit.events.errors == []
    finally:
        visit.close()


def test_a_second_visitor_is_a_different_session_and_sees_nothing_of_the_first(
    browser: Browser, clinic_site: ClinicSite, webchat_page: Callable[[str], str], snap
) -> None:
    first_visit = open_webchat(browser, webchat_page(clinic_site.origin))
    second_visit = open_webchat(browser, webchat_page(clinic_site.origin))
    first, first_chat = first_visit.page, first_visit.chat
    second, second_chat = second_visit.page, second_visit.chat
    try:
        first_chat.open()
        expect(first_chat.bot.first).to_have_text(KNOWLEDGE.messages["greeting"])
        first_chat.ask(QUESTION)
        expect(first_chat.bot.filter(has_text=plain(KNOWLEDGE.faqs["ask_pain"].answer))).to_have_count(1)

        second_chat.open()
        expect(second_chat.bot.first).to_have_text(KNOWLEDGE.messages["greeting"])
        second_chat.ask("how much is it?")
        expect(second_chat.bot.filter(has_text=plain(KNOWLEDGE.faqs["ask_cost"].answer))).to_have_count(1)
        snap(second, "second-visitor")

        first_id, second_id = first_chat.session_id(), second_chat.session_id()
        assert first_id and second_id and first_id != second_id
        assert second_chat.visitor.all_inner_texts() == ["how much is it?"]
        assert not second_chat.bot.filter(has_text=plain(KNOWLEDGE.faqs["ask_pain"].answer)).count()
        assert first_chat.visitor.all_inner_texts() == [QUESTION]
        assert not first_chat.bot.filter(has_text=plain(KNOWLEDGE.faqs["ask_cost"].answer)).count()
        snap(first, "first-visitor-unchanged")

        # The first visitor reloads: rasa-webchat resumes the same session id and shows its own history.
        first.reload()
        expect(first_chat.visitor.first).to_have_text(QUESTION)
        assert first_chat.session_id() == first_id
        assert first_visit.events.errors == [] and second_visit.events.errors == []
    finally:
        first_visit.close()
        second_visit.close()


def test_a_site_not_in_rasa_cors_origins_cannot_connect(
    browser: Browser, stack: Stack, clinic_site: ClinicSite, webchat_page: Callable[[str], str], snap
) -> None:
    """The same page on http://localhost:<port>, an origin RASA_CORS_ORIGINS does not name: no conversation."""
    other_origin = clinic_site.origin.replace("127.0.0.1", "localhost")
    rasa_log = next(server.log_path for server in stack.servers if server.name == "Rasa server")
    visit = open_webchat(browser, webchat_page(other_origin))
    try:
        visit.page.wait_for_timeout(5000)
        # rasa-webchat shows its launcher only once connected: on this site the widget never appears.
        expect(visit.chat.launcher).to_have_count(0)
        assert visit.chat.session_id() is None
        assert f"refused a connection from origin {other_origin}" in rasa_log.read_text()
        snap(visit.page, "other-site-refused")
    finally:
        visit.close()


def test_the_bundle_is_the_pinned_npm_package() -> None:
    lock = json.loads((WEBCHAT_DIR / "package-lock.json").read_text())
    entry = lock["packages"]["node_modules/rasa-webchat"]
    assert entry["version"] == webchat_version()
    assert entry["integrity"].startswith("sha512-")  # npm ci refuses a tarball that does not match
    assert Path(WEBCHAT_BUNDLE).stat().st_size > 100_000
