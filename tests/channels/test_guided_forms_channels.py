"""The suitability check and the cost estimate in Telegram (native buttons) and WhatsApp (numbered replies)."""

from __future__ import annotations

from channels.markdown_render import to_telegram_html, to_whatsapp
from tests.channels.test_telegram_conversation import keyboard


def test_telegram_check_from_the_menu_button_to_the_result(new_telegram_user, fake_provider, knowledge) -> None:
    user = new_telegram_user()
    chat = str(user.chat_id)
    check = knowledge.suitability
    assert user.says("/start") == 200
    menu, _ = fake_provider.wait_for(chat, 2, "sendMessage")
    assert (check.button, "/check_suitability") in keyboard(menu)

    assert user.taps("/check_suitability", menu.body["reply_markup"]) == 200
    intro, question = fake_provider.wait_for(chat, 2, "sendMessage", since=2)
    assert intro.body["text"] == to_telegram_html(check.intro)
    sent = 4
    for number, expected in enumerate(check.questions, 1):
        assert question.body["text"] == to_telegram_html(f"Question {number} of 10: {expected.ask}")
        buttons = keyboard(question)
        assert buttons == [
            ("Yes", "/affirm"),
            ("No", "/deny"),
            ("Not sure", "/answer_unsure"),
            ("Stop the check", "/stop"),
        ]
        answer = "/affirm" if expected.key == "moles" else "/deny"
        assert user.taps(answer, question.body["reply_markup"]) == 200
        (question,) = fake_provider.wait_for(chat, 1, "sendMessage", since=sent)
        sent += 1
    result = question
    assert result.body["text"].startswith(to_telegram_html(check.result_caution).split("\n")[0])
    assert "<b>Moles or raised spots in the area</b>" in result.body["text"]
    assert keyboard(result)[0] == ("Talk to our team", "/human_handoff")


def test_telegram_cost_estimate_by_buttons(new_telegram_user, fake_provider, knowledge) -> None:
    user = new_telegram_user()
    chat = str(user.chat_id)
    assert user.says("estimate my cost") == 200
    (asked,) = fake_provider.wait_for(chat, 1, "sendMessage")
    assert asked.body["text"] == to_telegram_html(knowledge.cost_estimate.ask_concern)
    title, data = keyboard(asked)[2]
    assert (title, data) == (
        knowledge.cost_estimate.concerns["wrinkles"],
        '/estimate_cost{"concern": "wrinkles"}',
    ) and len(data.encode()) <= 64
    assert user.taps(data, asked.body["reply_markup"]) == 200
    (estimate,) = fake_provider.wait_for(chat, 1, "sendMessage", since=1)
    assert "6–10 sessions × $250–$450 = $1,500–$4,500" in estimate.body["text"]


def test_whatsapp_check_with_numbered_replies(new_whatsapp_user, fake_provider, knowledge) -> None:
    user = new_whatsapp_user()
    me = user.address
    check = knowledge.suitability
    assert user.says("Am I a good candidate for microneedling?") == 200
    intro, question = fake_provider.wait_for(me, 2, "Messages")
    assert intro.text == to_whatsapp(check.intro)
    assert "1. Yes\n2. No\n3. Not sure\n4. Stop the check" in question.text
    sent = 2
    for expected in check.questions:
        assert to_whatsapp(expected.ask) in question.text
        reply = "3" if expected.key == "medication" else "2"  # "Not sure" / "No", by number
        assert user.says(reply) == 200
        (question,) = fake_provider.wait_for(me, 1, "Messages", since=sent)
        sent += 1
    assert question.text.startswith(to_whatsapp(check.result_clear))
    assert "Blood thinners or other medication" in question.text
    assert "1. Book a consultation" in question.text


def test_whatsapp_stop_mid_check_then_cost_estimate(new_whatsapp_user, fake_provider, knowledge) -> None:
    user = new_whatsapp_user()
    me = user.address
    assert user.says("can I have microneedling?") == 200
    fake_provider.wait_for(me, 2, "Messages")
    assert user.says("4") == 200  # "Stop the check"
    (stopped,) = fake_provider.wait_for(me, 1, "Messages", since=2)
    assert stopped.text == to_whatsapp(knowledge.messages["form_stopped"])
    assert user.says("how much would it cost for my acne scars?") == 200
    (estimate,) = fake_provider.wait_for(me, 1, "Messages", since=3)
    assert estimate.text.startswith(to_whatsapp("Here's a rough estimate for acne scars"))
    assert "×" not in estimate.text and "1. Book a consultation" in estimate.text
