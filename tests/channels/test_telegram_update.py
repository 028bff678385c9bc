"""Which Telegram updates are answered, and with what text."""

from __future__ import annotations

import pytest

from channels.telegram_update import TelegramInbound, command_text, parse_update

CHAT = {"id": 42, "type": "private"}


def test_text_message() -> None:
    inbound = parse_update({"update_id": 7, "message": {"chat": CHAT, "text": "Does it hurt?"}})
    assert inbound == TelegramInbound(update_id=7, chat_id=42, text="Does it hurt?")
    assert not inbound.is_button


def test_photo_has_no_text() -> None:
    inbound = parse_update({"update_id": 8, "message": {"chat": CHAT, "photo": [{"file_id": "x"}]}})
    assert inbound is not None and inbound.text is None


def test_button_tap() -> None:
    markup = {"inline_keyboard": [[{"text": "Does it hurt?", "callback_data": "/ask_pain"}]]}
    update = {
        "update_id": 9,
        "callback_query": {
            "id": "q1",
            "from": {"id": 5},
            "data": "/ask_pain",
            "message": {"chat": CHAT, "reply_markup": markup},
        },
    }
    inbound = parse_update(update)
    assert inbound == TelegramInbound(9, 42, None, "q1", "/ask_pain", markup)
    assert inbound.is_button


def test_button_tap_without_message_replies_to_the_user() -> None:
    inbound = parse_update({"update_id": 1, "callback_query": {"id": "q", "from": {"id": 5}, "data": "/ask_pain"}})
    assert inbound is not None and inbound.chat_id == 5


@pytest.mark.parametrize(
    "update",
    [
        None, [], "text", {}, {"update_id": 1},
        {"update_id": 1, "edited_message": {"chat": CHAT, "text": "edited"}},
        {"update_id": 1, "my_chat_member": {"chat": CHAT}},
        {"update_id": 1, "message": {"text": "no chat"}},
        {"update_id": 1, "message": {"chat": {"id": "42"}, "text": "string id"}},
        {"update_id": 1, "message": {"chat": {"id": True}, "text": "bool id"}},
        {"update_id": 1, "callback_query": {"data": "/x", "message": {"chat": CHAT}}},
    ],
    ids=["none", "list", "string", "empty", "no-content", "edited", "member", "no-chat", "string-id", "bool-id",
         "query-without-id"],
)  # fmt: skip
def test_nothing_to_answer(update) -> None:
    assert parse_update(update) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("/start", "/greet"), ("/start campaign42", "/greet"), ("/START@ClinicBot", "/greet"), ("/help", "/help"),
     ("/ask_cost", "/ask_cost"), ("start", "start"), ("/startle me", "/startle me")],
)  # fmt: skip
def test_commands(text, expected) -> None:
    assert command_text(text) == expected
