"""Buttons as Telegram inline keyboards and WhatsApp numbered options, and the bounded memories behind them."""

from __future__ import annotations

import json

import pytest

from channels.bounded_memory import BoundedMemory
from channels.quick_replies import (
    CALLBACK_KEY_PREFIX,
    OPTIONS_HINT,
    TELEGRAM_CALLBACK_MAX_BYTES,
    CallbackPayloads,
    OfferedOptions,
    button_title_for,
    inline_keyboard,
    numbered_options,
)

LONG_PAYLOAD = "/ask_recovery" + json.dumps({"needle_length": "1.0 mm", "concern": "acne scars", "body_area": "neck"})
BUTTONS = [
    {"title": "Does it hurt?", "payload": "/ask_pain"},
    {"title": "How long is the downtime?", "payload": LONG_PAYLOAD},
    {"title": "Talk to our team", "payload": "/human_handoff"},
]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_inline_keyboard_one_button_per_row_with_short_callback_data() -> None:
    payloads = CallbackPayloads()
    keyboard = inline_keyboard(BUTTONS, payloads)
    rows = keyboard["inline_keyboard"]
    assert [[button["text"] for button in row] for row in rows] == [[b["title"]] for b in BUTTONS]
    data = [row[0]["callback_data"] for row in rows]
    assert data[0] == "/ask_pain" and data[2] == "/human_handoff"
    assert len(LONG_PAYLOAD.encode()) > TELEGRAM_CALLBACK_MAX_BYTES
    assert data[1].startswith(CALLBACK_KEY_PREFIX)
    assert all(1 <= len(item.encode()) <= TELEGRAM_CALLBACK_MAX_BYTES for item in data)
    assert [payloads.decode(item) for item in data] == [b["payload"] for b in BUTTONS]


def test_long_payload_key_is_stable_and_stored_once() -> None:
    payloads = CallbackPayloads()
    assert payloads.encode(LONG_PAYLOAD) == payloads.encode(LONG_PAYLOAD)
    assert len(payloads._long_payloads) == 1


@pytest.mark.parametrize("payload", ["/ask_cost" + "é" * 30, CALLBACK_KEY_PREFIX + "/looks_like_a_key"])
def test_multibyte_and_key_like_payloads_are_mapped(payload) -> None:
    payloads = CallbackPayloads()
    data = payloads.encode(payload)
    assert len(data.encode()) <= TELEGRAM_CALLBACK_MAX_BYTES
    assert payloads.decode(data) == payload


def test_unknown_key_decodes_to_none_and_title_is_found_in_the_echoed_markup() -> None:
    encoded = inline_keyboard(BUTTONS, CallbackPayloads())
    key = encoded["inline_keyboard"][1][0]["callback_data"]
    after_restart = CallbackPayloads()
    assert after_restart.decode(key) is None
    assert button_title_for(key, encoded) == "How long is the downtime?"
    assert button_title_for("k:nothing", encoded) is None
    assert button_title_for(key, None) is None
    assert button_title_for(key, {"inline_keyboard": "garbage"}) is None


def test_long_payload_memory_is_bounded() -> None:
    payloads = CallbackPayloads(max_entries=3)
    keys = [payloads.encode(f"{LONG_PAYLOAD}{index}") for index in range(5)]
    assert len(payloads._long_payloads) == 3
    assert payloads.decode(keys[0]) is None and payloads.decode(keys[4]) == f"{LONG_PAYLOAD}4"


def test_numbered_options_text() -> None:
    assert numbered_options(BUTTONS) == (
        f"1. Does it hurt?\n2. How long is the downtime?\n3. Talk to our team\n{OPTIONS_HINT}"
    )
    assert numbered_options([]) == ""


@pytest.mark.parametrize(
    ("reply", "payload"),
    [("1", "/ask_pain"), (" 2 ", LONG_PAYLOAD), ("3.", "/human_handoff"), ("2)", LONG_PAYLOAD),
     ("4", None), ("0", None), ("-1", None), ("2 please", None), ("12345", None), ("two", None), ("", None)],
)  # fmt: skip
def test_numeric_reply_maps_to_the_offered_payload(reply, payload) -> None:
    options = OfferedOptions()
    options.offer("whatsapp-abc", BUTTONS)
    assert options.resolve("whatsapp-abc", reply) == payload


def test_numbers_refer_to_the_options_offered_last_to_that_sender_only() -> None:
    options = OfferedOptions()
    options.offer("alice", BUTTONS)
    options.offer("alice", [{"title": "Book a consultation", "payload": "/book_consultation"}])
    options.offer("bob", BUTTONS)
    assert options.resolve("alice", "1") == "/book_consultation"
    assert options.resolve("alice", "2") is None
    assert options.resolve("bob", "1") == "/ask_pain"
    assert options.resolve("carol", "1") is None


def test_offered_options_are_bounded_in_senders_and_time() -> None:
    clock = Clock()
    options = OfferedOptions(max_senders=2, ttl_s=60)
    options._offered = BoundedMemory(2, 60, clock=clock)
    for sender in ("a", "b", "c"):
        options.offer(sender, BUTTONS)
    assert options.resolve("a", "1") is None  # evicted: least recently used
    assert options.resolve("c", "1") == "/ask_pain"
    clock.now = 61
    assert options.resolve("c", "1") is None  # expired


def test_bounded_memory_lru_ttl_and_dedup() -> None:
    clock = Clock()
    memory: BoundedMemory[str, int] = BoundedMemory(2, 10, clock=clock)
    memory.put("a", 1)
    memory.put("b", 2)
    assert memory.get("a") == 1  # a is now the most recently used
    memory.put("c", 3)
    assert memory.get("b") is None and memory.get("a") == 1 and len(memory) == 2
    clock.now = 11
    assert memory.get("a") is None
    seen: BoundedMemory[int, bool] = BoundedMemory(10, 10, clock=clock)
    assert not seen.seen_before(1) and seen.seen_before(1)
    with pytest.raises(ValueError):
        BoundedMemory(0, 10)


ANSWER_BUTTONS = [
    {"title": "Which needle length?", "payload": "/ask_needle_size"},
    {"title": "How long is the downtime?", "payload": "/ask_recovery"},
    {"title": "👍", "payload": "/feedback_helpful"},
    {"title": "👎", "payload": "/feedback_not_helpful"},
]


def test_rating_buttons_share_the_last_telegram_row() -> None:
    rows = inline_keyboard(ANSWER_BUTTONS, CallbackPayloads())["inline_keyboard"]
    assert [[key["callback_data"] for key in row] for row in rows] == [
        ["/ask_needle_size"],
        ["/ask_recovery"],
        ["/feedback_helpful", "/feedback_not_helpful"],
    ]


def test_rating_buttons_are_not_numbered_in_whatsapp_and_an_emoji_reply_rates() -> None:
    text = numbered_options(ANSWER_BUTTONS)
    assert text.splitlines() == [
        "1. Which needle length?",
        "2. How long is the downtime?",
        "Reply with a number to choose.",
        "Was this helpful? Reply 👍 or 👎.",
    ]
    options = OfferedOptions()
    options.offer("someone", ANSWER_BUTTONS)
    assert options.resolve("someone", "2") == "/ask_recovery"
    assert options.resolve("someone", "3") is None
    assert options.resolve("someone", " 👎🏽 ") == "/feedback_not_helpful"
    assert options.resolve("someone", "👍") == "/feedback_helpful"
    assert options.resolve("someone else", "👍") is None
