"""Drive the chat widget the way a visitor does: through its visible controls.

Playwright's CSS locators pierce the widget's open shadow root, so the tests see
exactly what a visitor sees and click what a visitor clicks.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Locator, Page, expect


class ChatWidget:
    """The widget on one page."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.launcher = page.locator(".cc-launcher")
        self.panel = page.locator(".cc-panel")
        self.log = page.locator(".cc-log")
        self.input = page.locator(".cc-input")
        self.send_button = page.locator(".cc-send")
        self.restart_button = page.get_by_role("button", name="Restart conversation")
        self.close_button = page.locator(".cc-header").get_by_role("button", name="Close chat")
        self.typing = page.locator(".cc-typing")
        self.error = page.locator(".cc-error")
        self.chips = page.locator(".cc-chip")

    def bot_bubbles(self) -> Locator:
        return self.page.locator(".cc-bot:not(.cc-typing) .cc-bubble")

    def user_bubbles(self) -> Locator:
        return self.page.locator(".cc-user .cc-bubble")

    def bot_texts(self) -> list[str]:
        return [text.strip() for text in self.bot_bubbles().all_inner_texts()]

    def user_texts(self) -> list[str]:
        return [text.strip() for text in self.user_bubbles().all_inner_texts()]

    def open(self) -> None:
        self.launcher.click()
        expect(self.panel).to_be_visible()

    def wait_until_idle(self) -> None:
        """No request out: the typing indicator is gone."""
        expect(self.typing).to_have_count(0)

    def open_and_wait_for_greeting(self) -> None:
        self.open()
        expect(self.chips.first).to_be_visible()
        self.wait_until_idle()

    def ask(self, text: str) -> None:
        """Type a question and press Enter; wait for the assistant's reply."""
        before = self.bot_bubbles().count()
        self.input.fill(text)
        self.input.press("Enter")
        self.wait_until_idle()
        expect(self.bot_bubbles()).not_to_have_count(before)

    def click_quick_reply(self, title: str) -> None:
        before = self.bot_bubbles().count()
        self.chips.filter(has_text=title).first.click()
        self.wait_until_idle()
        expect(self.bot_bubbles()).not_to_have_count(before)

    def click_latest(self, title: str) -> None:
        """Click the newest quick reply titled exactly ``title`` (earlier turns may have the same buttons)."""
        before = self.bot_bubbles().count()
        self.page.locator(".cc-chip").locator(f"text='{title}'").last.click()
        self.wait_until_idle()
        expect(self.bot_bubbles()).not_to_have_count(before)

    def stored_state(self) -> dict[str, Any]:
        """The widget's localStorage entry (sender id and transcript)."""
        return self.page.evaluate(
            """() => {
                const key = Object.keys(localStorage).find((k) => k.startsWith("clinic-chat:v1:"));
                return key ? JSON.parse(localStorage.getItem(key)) : null;
            }"""
        )
