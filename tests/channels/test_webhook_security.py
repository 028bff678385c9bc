"""Unsigned or wrongly signed webhooks get 403 and are never processed: no reply, no tracker event.

Each forged request comes from its own chat or number. After all of them, a
correctly signed control message is sent and answered; only then, and after a
further quiet second, is "nothing happened" for the forged ones checked.
"""

from __future__ import annotations

import json
import time
import urllib.request

from channels.signatures import twilio_signature
from channels.whatsapp_channel import sender_pseudonym
from tests.channels.conftest import TELEGRAM_SECRET, TWILIO_TOKEN, WhatsAppUser, post

QUIET_S = 1.0
TELEGRAM_SECRETS = {"missing": None, "empty": "", "wrong": "wrong-secret", "padded": TELEGRAM_SECRET + " ",
                    "prefix": TELEGRAM_SECRET[:-1]}  # fmt: skip


def tracker_events(stack, sender: str) -> list[dict]:
    url = f"{stack.rasa_url}/conversations/{sender}/tracker?token={stack.auth_token}"
    with urllib.request.urlopen(url, timeout=30) as reply:
        return json.loads(reply.read())["events"]


def user_events(stack, sender: str) -> list[dict]:
    """What the person said, as Rasa recorded it (asking for a tracker creates one with session events)."""
    return [event for event in tracker_events(stack, sender) if event["event"] == "user"]


def test_telegram_updates_without_the_right_secret_are_refused(new_telegram_user, fake_provider, channel_stack):
    forged = {case: new_telegram_user() for case in TELEGRAM_SECRETS}
    for case, user in forged.items():
        status = user.send_update(user.message_update("Does it hurt?"), secret=TELEGRAM_SECRETS[case])
        assert status == 403, case
    status, _ = post(forged["missing"].webhook_url, b"{not json", {"Content-Type": "application/json"})
    assert status == 403, "an unsigned body is refused before it is parsed"

    control = new_telegram_user()
    assert control.says("Does it hurt?") == 200
    fake_provider.wait_for(str(control.chat_id), 2, "sendMessage")
    time.sleep(QUIET_S)
    for case, user in forged.items():
        assert fake_provider.sent(str(user.chat_id)) == [], case
        assert user_events(channel_stack, f"telegram-{user.chat_id}") == [], case


def wrongly_signed(user: WhatsAppUser, case: str) -> tuple[dict[str, list[str]], str | None]:
    form = user.form("Does it hurt?")
    return {
        "missing": (form, None),
        "empty": (form, ""),
        "garbage": (form, "bm90IGEgc2lnbmF0dXJl"),
        "wrong-token": (form, twilio_signature("not-the-auth-token", user.signing_url, form)),
        "internal-url": (form, twilio_signature(TWILIO_TOKEN, user.webhook_url, form)),
        "tampered-body": ({**form, "Body": ["Something else entirely"]}, user.sign(form)),
        "replayed-other-message": (user.form("Does it hurt?"), user.sign(form)),
    }[case]


def test_whatsapp_requests_without_a_valid_signature_are_refused(new_whatsapp_user, fake_provider, channel_stack):
    cases = ["missing", "empty", "garbage", "wrong-token", "internal-url", "tampered-body", "replayed-other-message"]
    forged = {case: new_whatsapp_user() for case in cases}
    for case, user in forged.items():
        status, _ = user.send_form(*wrongly_signed(user, case))
        assert status == 403, case

    control = new_whatsapp_user()
    assert control.says("Does it hurt?") == 200
    fake_provider.wait_for(control.address, 2, "Messages")
    time.sleep(QUIET_S)
    for case, user in forged.items():
        assert fake_provider.sent(user.address) == [], case
        assert user_events(channel_stack, sender_pseudonym(TWILIO_TOKEN, user.address)) == [], case


def test_correctly_signed_request_is_processed_under_a_pseudonym(whatsapp_user, fake_provider, channel_stack):
    assert whatsapp_user.says("Does microneedling hurt?") == 200
    fake_provider.wait_for(whatsapp_user.address, 2, "Messages")
    sender = sender_pseudonym(TWILIO_TOKEN, whatsapp_user.address)
    deadline = time.monotonic() + 10  # the replies go out before the turn is saved (on the store's own thread)
    while not user_events(channel_stack, sender) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [event["text"] for event in user_events(channel_stack, sender)] == ["Does microneedling hurt?"]
    phone = whatsapp_user.address.removeprefix("whatsapp:")
    assert phone not in json.dumps(tracker_events(channel_stack, sender))
