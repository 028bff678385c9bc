"""Keyboard use, labels for assistive technology, and a phone-width screen."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.chat_widget import ChatWidget

# The focused element inside the widget's shadow root, described by its label or text.
FOCUSED = """() => {
    const host = document.getElementById("clinic-chat-widget");
    const element = host && host.shadowRoot.activeElement;
    if (!element) return null;
    return element.getAttribute("aria-label") || element.textContent.trim();
}"""


def test_controls_have_accessible_names(stack, page: Page) -> None:
    page.goto(stack.widget_demo_url)
    chat = ChatWidget(page)
    expect(page.get_by_role("button", name="Open chat")).to_be_visible()
    chat.open_and_wait_for_greeting()
    expect(page.get_by_role("dialog", name="Riverside Skin Clinic")).to_be_visible()
    expect(page.get_by_role("log", name="Conversation")).to_have_attribute("aria-live", "polite")
    expect(page.get_by_role("textbox", name="Your message")).to_be_visible()
    for name in ("Send message", "Restart conversation"):
        expect(page.get_by_role("button", name=name)).to_be_visible()
    expect(page.get_by_role("button", name="Close chat")).to_have_count(2)  # header and launcher
    expect(page.get_by_role("group", name="Suggested questions")).to_be_visible()
    assert chat.log.locator(".cc-visually-hidden").first.inner_text() == "Assistant said:"


def test_keyboard_only_conversation(stack, page: Page, snap) -> None:
    page.goto(stack.widget_demo_url)
    chat = ChatWidget(page)
    chat.launcher.focus()
    page.keyboard.press("Enter")
    expect(chat.panel).to_be_visible()
    expect(chat.input).to_be_focused()
    chat.wait_until_idle()

    # Shift+Enter is a new line, Enter sends.
    page.keyboard.type("Is microneedling safe")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("for darker skin?")
    assert chat.input.input_value() == "Is microneedling safe\nfor darker skin?"
    expect(chat.user_bubbles()).to_have_count(0)
    page.keyboard.press("Enter")
    chat.wait_until_idle()
    expect(chat.user_bubbles()).to_have_count(1)
    expect(chat.input).to_have_value("")
    expect(chat.input).to_be_focused()

    # Focus order follows the panel top to bottom: header controls, conversation, suggestions, composer.
    chat.launcher.focus()
    order = []
    for _ in range(5):
        page.keyboard.press("Tab")
        order.append(page.evaluate(FOCUSED))
    assert order[:3] == ["Restart conversation", "Close chat", "Conversation"]
    assert order[3] == chat.chips.first.inner_text()
    page.keyboard.press("Enter")  # a quick reply works from the keyboard too
    chat.wait_until_idle()
    expect(chat.user_bubbles()).to_have_count(2)
    snap(page, "keyboard-conversation")

    page.keyboard.press("Escape")
    expect(chat.panel).to_be_hidden()
    expect(chat.launcher).to_be_focused()


def test_usable_at_phone_width(stack, browser, snap) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(stack.widget_demo_url)
        chat = ChatWidget(page)
        launcher = chat.launcher.bounding_box()
        assert launcher and launcher["x"] + launcher["width"] <= 375 and launcher["y"] + launcher["height"] <= 667
        snap(page, "phone-closed")
        chat.launcher.tap()
        chat.wait_until_idle()
        expect(chat.chips.first).to_be_visible()
        panel = chat.panel.bounding_box()
        assert panel == {"x": 0, "y": 0, "width": 375, "height": 667}, "the open panel fills the screen"
        expect(chat.launcher).to_be_hidden()
        scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
        assert scroll_width <= 375, "no sideways scrolling"
        chat.ask("How long is the downtime?")
        for control in (chat.input, chat.send_button, chat.close_button):
            box = control.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375 and box["y"] + box["height"] <= 667
            assert box["height"] >= 36, "touch targets big enough to tap"
        snap(page, "phone-answer")
        chat.close_button.tap()
        expect(chat.panel).to_be_hidden()
        expect(chat.launcher).to_be_visible()
    finally:
        context.close()
