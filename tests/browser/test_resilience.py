"""When the assistant cannot be reached: a clear message, a retry, and nothing typed is lost."""

from __future__ import annotations

from playwright.sync_api import Page, Route, expect

from tests.browser.chat_widget import ChatWidget
from tests.browser.conftest import free_port

QUESTION = "Is microneedling safe?"


def test_unreachable_server_keeps_the_text_and_retry_sends_it(stack, page: Page, snap) -> None:
    page.goto(stack.widget_demo_url)
    chat = ChatWidget(page)
    chat.open_and_wait_for_greeting()

    def refuse(route: Route) -> None:
        route.abort("connectionrefused")

    page.route("**/webhooks/rest/webhook", refuse)
    chat.input.fill(QUESTION)
    chat.input.press("Enter")
    expect(chat.error).to_be_visible()
    expect(chat.error).to_have_attribute("role", "alert")
    expect(chat.error).to_contain_text("can't be reached")
    expect(chat.input).to_have_value(QUESTION)
    expect(chat.user_bubbles()).to_have_count(0)
    snap(page, "unreachable")

    chat.error.get_by_role("button", name="Retry").click()  # still down
    expect(chat.error).to_be_visible()
    expect(chat.input).to_have_value(QUESTION)

    page.unroute("**/webhooks/rest/webhook", refuse)
    chat.error.get_by_role("button", name="Retry").click()
    chat.wait_until_idle()
    expect(chat.error).to_be_hidden()
    expect(chat.user_bubbles()).to_have_text([QUESTION])
    expect(chat.bot_bubbles().filter(has_text="low-risk")).not_to_have_count(0)
    expect(chat.input).to_have_value("")
    snap(page, "retried")


def test_server_error_is_reported_too(stack, page: Page) -> None:
    page.goto(stack.widget_demo_url)
    chat = ChatWidget(page)
    chat.open_and_wait_for_greeting()
    page.route("**/webhooks/rest/webhook", lambda route: route.fulfill(status=500, body='{"error": "boom"}'))
    chat.input.fill(QUESTION)
    chat.input.press("Enter")
    expect(chat.error).to_contain_text("not sent")
    expect(chat.input).to_have_value(QUESTION)


def test_dead_server_url_on_first_open(stack, clinic_site, page: Page, snap) -> None:
    """A real closed port: the greeting cannot load, the visitor is told so and can retry."""
    dead = f"http://127.0.0.1:{free_port()}"
    url = clinic_site.embed_page(
        "/dead-server.html", f'<script src="{stack.widget_script_url}" data-server-url="{dead}" defer></script>'
    )
    page.goto(url)
    chat = ChatWidget(page)
    chat.open()
    expect(chat.error).to_contain_text("can't be reached")
    expect(chat.user_bubbles()).to_have_count(0)
    snap(page, "dead-server")
    chat.input.fill("typed while offline")
    chat.error.get_by_role("button", name="Retry").click()
    expect(chat.error).to_be_visible()
    expect(chat.input).to_have_value("typed while offline")
