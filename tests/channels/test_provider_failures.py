"""A provider that is down or slow for some people: logged without text, and everyone else still served."""

from __future__ import annotations

import time
from pathlib import Path

from channels.markdown_render import to_telegram_html
from tests.channels.conftest import SEND_TIMEOUT_S

QUESTION = "Does microneedling hurt?"
PROMPT_S = 10.0  # generous for a shared 2-core machine; the slow user alone would take longer than this


def wait_for_log(log: Path, needle: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if needle in text:
            return text
        time.sleep(0.2)
    raise AssertionError(f"{needle!r} never appeared in {log}")


def test_down_and_slow_provider_for_two_people_while_a_third_is_answered(
    new_telegram_user, new_whatsapp_user, fake_provider, knowledge, server_log
) -> None:
    down, slow, fine = new_telegram_user(), new_telegram_user(), new_telegram_user()
    down_wa, fine_wa = new_whatsapp_user(), new_whatsapp_user()
    fake_provider.fail_for(str(down.chat_id))
    fake_provider.slow_for(str(slow.chat_id), SEND_TIMEOUT_S * 6)
    fake_provider.fail_for(down_wa.address)

    started = time.monotonic()
    for user in (down, slow, down_wa):
        assert user.says(QUESTION) == 200
    assert time.monotonic() - started < 3, "webhooks must answer without waiting for the provider"
    asked = time.monotonic()
    assert fine.says(QUESTION) == 200 and fine_wa.says(QUESTION) == 200
    answer, _ = fake_provider.wait_for(str(fine.chat_id), 2, "sendMessage", timeout=PROMPT_S)
    fake_provider.wait_for(fine_wa.address, 2, "Messages", timeout=PROMPT_S)
    answered_in = time.monotonic() - asked
    print(f"\nthird person answered {answered_in:.2f} s after asking, while the provider was down/slow for others")
    assert answer.body["text"] == to_telegram_html(knowledge.faqs["ask_pain"].answer)
    assert answered_in < PROMPT_S

    log = wait_for_log(server_log, f"sendMessage to telegram-{slow.chat_id} failed")
    log = wait_for_log(server_log, f"sendMessage to telegram-{down.chat_id} failed")
    log = wait_for_log(server_log, "whatsapp: sending to whatsapp-")
    assert f"telegram-{down.chat_id} failed: Telegram answered HTTP 500" in log
    assert f"telegram-{slow.chat_id} failed: Telegram did not answer within {SEND_TIMEOUT_S:g} s" in log
    assert f"skipped 1 further replies to telegram-{down.chat_id}" in log  # the disclaimer was not tried
    assert "Twilio answered HTTP 500 (error 20500)" in log
    assert QUESTION not in log and "mild to moderate" not in log
    assert down_wa.address.removeprefix("whatsapp:") not in log and "+1555" not in log
    assert "TEST-bot-token" not in log
    # Only the first reply of each failed turn was attempted.
    assert len(fake_provider.sent(str(down.chat_id))) == 1 and len(fake_provider.sent(down_wa.address)) == 1


def test_a_recovered_provider_serves_the_person_again(new_telegram_user, fake_provider, knowledge) -> None:
    user = new_telegram_user()
    chat = str(user.chat_id)
    fake_provider.fail_for(chat)
    assert user.says("How much does microneedling cost?") == 200
    fake_provider.wait_for(chat, 1, "sendMessage")
    fake_provider.heal(chat)
    assert user.says("How much does microneedling cost?") == 200
    (answer,) = fake_provider.wait_for(chat, 1, "sendMessage", since=1)
    assert answer.status == 200
    assert answer.body["text"] == to_telegram_html(knowledge.faqs["ask_cost"].answer)
