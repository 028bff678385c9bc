"""A visitor's conversation in the real widget, against the real assistant."""

from __future__ import annotations

import json
import time
import urllib.request

from playwright.sync_api import Page, Route, expect

from actions.knowledge_loader import DEFAULT_KNOWLEDGE_FILE, load_knowledge_base
from tests.browser.chat_widget import ChatWidget

KNOWLEDGE = load_knowledge_base(DEFAULT_KNOWLEDGE_FILE)
MENU_TITLES = [KNOWLEDGE.title(topic) for topic in KNOWLEDGE.menu]
XSS = "<img src=x onerror=alert(1)>"


def test_visitor_journey(stack, page: Page, events, snap) -> None:
    """The issue's path: open, greet, free text, quick reply, reload, markup shown as text."""
    page.goto(stack.widget_demo_url)
    chat = ChatWidget(page)
    expect(chat.launcher).to_be_visible()
    expect(chat.panel).to_be_hidden()
    snap(page, "closed")

    chat.open_and_wait_for_greeting()
    assert chat.bot_texts()[0] == KNOWLEDGE.messages["greeting"]
    assert chat.user_texts() == [], "the hidden greeting payload must not show as a visitor message"
    for title in MENU_TITLES:
        expect(chat.chips.filter(has_text=title)).to_have_count(1)
    snap(page, "greeting-and-menu")

    chat.ask("Does microneedling hurt?")
    answer = chat.bot_bubbles().nth(-2)
    expect(answer.locator("strong").first).to_have_text("mild to moderate discomfort")
    expect(answer.locator("ul > li")).not_to_have_count(0)
    expect(chat.bot_bubbles().last.locator("em")).to_have_text(KNOWLEDGE.disclaimer)
    assert chat.user_texts() == ["Does microneedling hurt?"]
    snap(page, "free-text-answer")

    recovery = KNOWLEDGE.title("ask_recovery")
    chat.click_quick_reply(recovery)
    assert chat.user_texts()[-1] == recovery, "a quick reply shows its title, not its payload"
    assert not any(text.startswith("/") for text in chat.user_texts())
    expect(chat.bot_bubbles().last).to_contain_text("redness")
    snap(page, "quick-reply-answer")

    before_reload = (chat.user_texts(), chat.bot_texts())
    page.reload()
    chat = ChatWidget(page)
    expect(chat.panel).to_be_visible()  # stays open in this tab
    expect(chat.user_bubbles()).to_have_count(2)
    assert (chat.user_texts(), chat.bot_texts()) == before_reload
    snap(page, "after-reload")

    chat.ask(XSS)
    expect(chat.user_bubbles().last).to_have_text(XSS)
    assert chat.log.locator("img").count() == 0
    assert page.locator("img").count() == 0
    assert events.dialogs == []
    snap(page, "markup-as-text")


def test_launcher_opens_and_closes_the_panel(stack, page: Page, snap) -> None:
    page.goto(stack.widget_demo_url)
    chat = ChatWidget(page)
    expect(chat.launcher).to_have_attribute("aria-expanded", "false")
    chat.open_and_wait_for_greeting()
    expect(chat.launcher).to_have_attribute("aria-expanded", "true")
    expect(chat.input).to_be_focused()
    chat.launcher.click()
    expect(chat.panel).to_be_hidden()
    expect(chat.launcher).to_have_attribute("aria-expanded", "false")
    chat.open()
    expect(chat.bot_bubbles()).to_have_count(len(chat.bot_texts()))
    assert chat.bot_texts()[0] == KNOWLEDGE.messages["greeting"], "reopening keeps the conversation"
    chat.close_button.click()
    expect(chat.panel).to_be_hidden()
    expect(chat.launcher).to_be_focused()
    snap(page, "closed-again")


def test_typing_indicator_while_waiting(stack, page: Page, snap) -> None:
    """While a reply is outstanding the widget shows the indicator and blocks a second send.

    The webhook request is held, not delayed: a sync route handler that sleeps
    blocks this test's thread too, so the reply could land before the checks
    run. Holding the route until the checks are done removes that race.
    """
    page.goto(stack.widget_demo_url)
    chat = ChatWidget(page)
    chat.open_and_wait_for_greeting()

    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)

    page.route("**/webhooks/rest/webhook", hold)
    chat.input.fill("How much does it cost?")
    chat.input.press("Enter")
    expect(chat.typing).to_be_visible()
    expect(chat.typing).to_have_attribute("aria-label", "The assistant is typing")
    expect(chat.send_button).to_be_disabled()
    snap(page, "typing")
    _wait_for_held_request(page, held)
    expect(chat.typing).to_be_visible()  # still waiting: nothing has been answered yet
    held[0].continue_()
    page.unroute("**/webhooks/rest/webhook")
    chat.wait_until_idle()
    expect(chat.bot_bubbles().filter(has_text="per session")).not_to_have_count(0)
    expect(chat.send_button).to_be_enabled()


def _wait_for_held_request(page: Page, held: list[Route], timeout_s: float = 30.0) -> None:
    """Let Playwright dispatch the route handler; route callbacks only run inside Playwright calls."""
    deadline = time.monotonic() + timeout_s
    while not held:
        assert time.monotonic() < deadline, "the widget never sent its webhook request"
        page.wait_for_timeout(20)


def test_new_tab_continues_the_same_conversation(stack, context, page: Page, snap) -> None:
    """Same site, new tab: same sender id, same history, and the assistant keeps the topic."""
    page.goto(stack.widget_demo_url)
    chat = ChatWidget(page)
    chat.open_and_wait_for_greeting()
    chat.ask("Does microneedling hurt?")
    sender = chat.stored_state()["sender"]

    second = context.new_page()
    second.goto(stack.widget_demo_url)
    other = ChatWidget(second)
    expect(other.panel).to_be_hidden()  # open/closed is per tab
    other.open()
    assert other.user_texts() == ["Does microneedling hurt?"]
    assert other.stored_state()["sender"] == sender
    # The follow-up only makes sense in the first tab's conversation: the server
    # answers it from the same tracker, so the sender id really is shared.
    other.ask("and what about 1 mm needles?")
    expect(other.bot_bubbles().last).to_have_text(KNOWLEDGE.faqs["ask_pain"].variant("needle_length", "1.0 mm").strip())
    snap(second, "second-tab-follow-up")
    # The first tab picks up the other tab's messages as they are stored.
    expect(chat.user_bubbles()).to_have_count(2)


def test_restart_starts_a_new_conversation(stack, page: Page, snap) -> None:
    page.goto(stack.widget_demo_url)
    chat = ChatWidget(page)
    chat.open_and_wait_for_greeting()
    chat.ask("Does microneedling hurt?")
    old_sender = chat.stored_state()["sender"]

    chat.restart_button.click()
    chat.wait_until_idle()
    expect(chat.user_bubbles()).to_have_count(0)
    expect(chat.bot_bubbles().first).to_have_text(KNOWLEDGE.messages["greeting"])
    state = chat.stored_state()
    assert state["sender"] != old_sender
    assert all(message["from"] == "bot" for message in state["messages"])
    snap(page, "after-restart")
    # A follow-up no longer finds the old topic: the server sees a new conversation.
    chat.ask("and what about 1 mm needles?")
    assert KNOWLEDGE.faqs["ask_pain"].variant("needle_length", "1.0 mm").strip() not in chat.bot_texts()
    page.reload()
    expect(ChatWidget(page).user_bubbles()).to_have_count(1)


def test_stale_history_is_dropped(stack, page: Page) -> None:
    """A transcript left on a device for over a day is not shown to whoever opens it next."""
    page.goto(stack.widget_demo_url)
    chat = ChatWidget(page)
    chat.open_and_wait_for_greeting()
    chat.ask("Does microneedling hurt?")
    page.evaluate(
        """() => {
            const key = Object.keys(localStorage).find((k) => k.startsWith("clinic-chat:v1:"));
            const state = JSON.parse(localStorage.getItem(key));
            state.updatedAt = Date.now() - 25 * 60 * 60 * 1000;
            localStorage.setItem(key, JSON.stringify(state));
        }"""
    )
    page.reload()
    chat = ChatWidget(page)
    chat.wait_until_idle()
    expect(chat.bot_bubbles().first).to_have_text(KNOWLEDGE.messages["greeting"])
    assert chat.user_texts() == []


def test_rating_an_answer_with_the_keyboard(stack, page: Page, snap) -> None:
    """👍 / 👎 under an answer: named for screen readers, usable from the keyboard, stored on the conversation."""
    page.goto(stack.widget_demo_url)
    chat = ChatWidget(page)
    chat.open_and_wait_for_greeting()
    chat.ask("Does microneedling hurt?")
    helped = page.get_by_role("button", name="This answer helped")
    not_helped = page.get_by_role("button", name="This answer did not help")
    expect(helped).to_have_count(1)
    expect(not_helped).to_have_text("👎")
    not_helped.scroll_into_view_if_needed()
    snap(page, "rating-buttons")

    before = chat.bot_bubbles().count()
    not_helped.focus()
    page.keyboard.press("Enter")
    chat.wait_until_idle()
    expect(chat.bot_bubbles()).not_to_have_count(before)
    assert chat.bot_texts()[-1] == KNOWLEDGE.messages["feedback_sorry"]
    assert chat.user_texts()[-1] == "This answer did not help", "the rating shows as words, not a payload"
    expect(chat.chips.filter(has_text="Talk to our team")).to_have_count(1)
    expect(page.get_by_role("button", name="This answer did not help")).to_have_count(0)
    snap(page, "after-thumbs-down")

    sender = chat.stored_state()["sender"]
    url = f"{stack.rasa_url}/conversations/{sender}/tracker?token={stack.auth_token}"
    with urllib.request.urlopen(url, timeout=10) as reply:
        slots = json.loads(reply.read())["slots"]
    assert slots["feedback"] == {"vote": "down", "topic": "ask_pain"}
