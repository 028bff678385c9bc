"""The suitability check and the cost estimate in the real widget, clicked like a visitor, a screenshot per step."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from actions.knowledge_loader import DEFAULT_KNOWLEDGE_FILE, load_knowledge_base
from tests.browser.chat_widget import ChatWidget

KNOWLEDGE = load_knowledge_base(DEFAULT_KNOWLEDGE_FILE)
CHECK = KNOWLEDGE.suitability


def test_suitability_check_in_the_widget(stack, page: Page, snap) -> None:
    page.goto(stack.widget_demo_url)
    chat = ChatWidget(page)
    chat.open_and_wait_for_greeting()
    expect(chat.chips.filter(has_text=CHECK.button)).to_have_count(1)
    snap(page, "menu-offers-the-check")

    chat.click_quick_reply(CHECK.button)
    assert CHECK.intro in chat.bot_texts()
    for number, question in enumerate(CHECK.questions, 1):
        expect(chat.bot_bubbles().last).to_contain_text(f"Question {number} of {len(CHECK.questions)}:")
        expect(chat.bot_bubbles().last).to_contain_text(question.ask)
        snap(page, f"question-{number:02d}-{question.key}")
        answer = {"pregnancy": "Yes", "moles": "Not sure"}.get(question.key, "No")
        chat.click_latest(answer)
        assert chat.user_texts()[-1] == answer, "a button shows its title, not its payload"

    result = chat.bot_bubbles().last
    expect(result).to_contain_text(CHECK.result_caution)
    expect(result.locator("strong").filter(has_text="Pregnancy")).to_have_count(1)
    expect(result).to_contain_text("Moles or raised spots in the area")
    expect(chat.chips.filter(has_text="Talk to our team").last).to_be_visible()
    snap(page, "result-speak-to-a-doctor-first")


def test_leaving_the_check_and_a_question_mid_way_in_the_widget(stack, page: Page, snap) -> None:
    page.goto(stack.widget_demo_url)
    chat = ChatWidget(page)
    chat.open_and_wait_for_greeting()
    chat.ask("Am I a good candidate for microneedling?")
    chat.click_latest("No")
    chat.ask("does it hurt?")
    expect(chat.bot_bubbles().last).to_contain_text(CHECK.resume)
    expect(chat.bot_bubbles().last).to_contain_text(CHECK.questions[1].ask)
    snap(page, "question-mid-way-then-offer-to-carry-on")
    chat.click_latest(CHECK.answer_buttons["stop"])
    expect(chat.bot_bubbles().last).to_have_text(KNOWLEDGE.messages["form_stopped"])
    snap(page, "stopped")


def test_cost_estimate_in_the_widget(stack, page: Page, snap) -> None:
    page.goto(stack.widget_demo_url)
    chat = ChatWidget(page)
    chat.open_and_wait_for_greeting()
    chat.ask("How much does microneedling cost?")
    snap(page, "cost-answer-offers-an-estimate")
    chat.click_latest(KNOWLEDGE.cost_estimate.button)
    expect(chat.bot_bubbles().last).to_have_text(KNOWLEDGE.cost_estimate.ask_concern)
    snap(page, "which-concern")
    chat.click_latest(KNOWLEDGE.cost_estimate.concerns["wrinkles"])
    estimate = chat.bot_bubbles().last
    expect(estimate).to_contain_text("6–10 sessions × $250–$450 = $1,500–$4,500")
    expect(estimate).to_contain_text(KNOWLEDGE.cost_estimate.closing)
    expect(estimate.locator("ul > li")).not_to_have_count(0)
    snap(page, "estimate-with-arithmetic")
