"""A whole Telegram conversation through the real servers: webhook in, Bot API calls out to the fake."""

from __future__ import annotations

import time

from channels.markdown_render import to_telegram_html
from channels.telegram_channel import EXPIRED_BUTTON_REPLY

RATING_ROW = [("👍", "/feedback_helpful"), ("👎", "/feedback_not_helpful")]


def keyboard(record) -> list[tuple[str, str]]:
    """The topic buttons, one per row; an answer's 👍 / 👎 row is checked and left out."""
    rows = [
        [(key["text"], key["callback_data"]) for key in row] for row in record.body["reply_markup"]["inline_keyboard"]
    ]
    if rows and rows[-1] == RATING_ROW:
        rows = rows[:-1]
    assert all(len(row) == 1 for row in rows)
    return [row[0] for row in rows]


def rating_row(record) -> list[tuple[str, str]]:
    last = record.body["reply_markup"]["inline_keyboard"][-1]
    return [(key["text"], key["callback_data"]) for key in last]


def test_full_conversation_with_native_buttons(telegram_user, fake_provider, knowledge) -> None:
    chat = str(telegram_user.chat_id)
    assert telegram_user.says("/start") == 200
    menu, more_topics = fake_provider.wait_for(chat, 2, "sendMessage")
    assert menu.body["parse_mode"] == "HTML"
    assert menu.body["text"] == to_telegram_html(knowledge.messages["greeting"])
    expected_menu = [knowledge.title(topic) for topic in knowledge.menu] + [
        "Book a consultation",
        knowledge.messages["handoff_button"],
    ]
    assert [title for title, _ in keyboard(menu)] == expected_menu
    assert ("Does it hurt?", "/ask_pain") in keyboard(menu)
    assert "reply_markup" not in more_topics.body

    assert telegram_user.says("Does microneedling hurt?") == 200
    answer, disclaimer = fake_provider.wait_for(chat, 2, "sendMessage", since=2)
    assert answer.body["text"] == to_telegram_html(knowledge.faqs["ask_pain"].answer)
    assert "<b>mild to moderate discomfort</b>" in answer.body["text"] and "**" not in answer.body["text"]
    assert disclaimer.body["text"] == f"<i>{to_telegram_html(knowledge.disclaimer)}</i>"
    follow_ups = keyboard(answer)
    assert [title for title, _ in follow_ups] == [knowledge.title(t) for t in knowledge.faqs["ask_pain"].follow_ups]
    assert rating_row(answer) == RATING_ROW and rating_row(menu) != RATING_ROW

    assert telegram_user.says("and what about 1 mm needles?") == 200
    (variant,) = fake_provider.wait_for(chat, 1, "sendMessage", since=4)
    assert variant.body["text"] == to_telegram_html(knowledge.faqs["ask_pain"].variant("needle_length", "1.0 mm"))
    _title, data = next(button for button in keyboard(variant) if button[1].startswith("/ask_recovery"))
    assert data == '/ask_recovery{"needle_length": "1.0 mm"}'

    assert telegram_user.taps(data, variant.body["reply_markup"]) == 200
    (recovery,) = fake_provider.wait_for(chat, 1, "sendMessage", since=5)
    assert recovery.body["text"] == to_telegram_html(knowledge.faqs["ask_recovery"].variant("needle_length", "1.0 mm"))
    (acknowledged,) = fake_provider.wait_for(f"cbq-{chat}", 1, "answerCallbackQuery")
    assert acknowledged.body == {"callback_query_id": f"cbq-{chat}"} and acknowledged.status == 200

    assert telegram_user.taps("/feedback_helpful", recovery.body["reply_markup"]) == 200
    (thanks,) = fake_provider.wait_for(chat, 1, "sendMessage", since=6)
    assert thanks.body["text"] == to_telegram_html(knowledge.messages["feedback_thanks"])

    assert telegram_user.says("I had microneedling two days ago and now my face has pus and a fever") == 200
    escalation = fake_provider.wait_for(chat, 2, "sendMessage", since=7)
    texts = [record.body["text"] for record in escalation]
    assert to_telegram_html(knowledge.urgent_escalation) in texts
    assert to_telegram_html(knowledge.emergency_escalation) in texts
    assert all(record.status == 200 for record in fake_provider.sent(chat))


def test_button_key_unknown_after_restart_falls_back_to_the_title(telegram_user, fake_provider, knowledge) -> None:
    chat = str(telegram_user.chat_id)
    markup = {"inline_keyboard": [[{"text": "How much does it cost?", "callback_data": "k:0123456789abcdef01234567"}]]}
    assert telegram_user.taps("k:0123456789abcdef01234567", markup) == 200
    (answer,) = fake_provider.wait_for(chat, 1, "sendMessage")
    assert answer.body["text"] == to_telegram_html(knowledge.faqs["ask_cost"].answer)
    assert telegram_user.taps("k:ffffffffffffffffffffffff") == 200
    assert fake_provider.wait_for(chat, 1, "sendMessage", since=2)[0].body["text"] == EXPIRED_BUTTON_REPLY


def test_photo_gets_a_request_for_text(telegram_user, fake_provider, knowledge) -> None:
    chat = str(telegram_user.chat_id)
    update = telegram_user.update(message={"message_id": 3, "chat": {"id": telegram_user.chat_id}, "photo": [{}]})
    assert telegram_user.send_update(update) == 200
    assert fake_provider.wait_for(chat, 1, "sendMessage")[0].body["text"] == knowledge.messages["non_text_message"]


def test_two_quick_messages_are_answered_in_order(telegram_user, fake_provider, knowledge) -> None:
    chat = str(telegram_user.chat_id)
    started = time.monotonic()
    assert telegram_user.says("How much does microneedling cost?") == 200
    assert telegram_user.says("How long is the recovery after microneedling?") == 200
    assert time.monotonic() - started < 2, "the webhook waited for the model"
    first, _disclaimer, second = fake_provider.wait_for(chat, 3, "sendMessage")
    assert first.body["text"] == to_telegram_html(knowledge.faqs["ask_cost"].answer)
    assert second.body["text"] == to_telegram_html(knowledge.faqs["ask_recovery"].answer)
