"""A Telegram or WhatsApp message the tracker store could not keep is followed by "please send it again".

The provider's webhook was already answered 200 (that only says "received"),
and the answer may have gone out before the save failed, so the person is
told in the chat that the message was not kept.
"""

from __future__ import annotations

import html
import time

from channels.whatsapp_channel import sender_pseudonym
from rasa_extensions.save_watch import NOT_STORED_REPLY
from tests.channels.conftest import TWILIO_TOKEN
from tests.faults.conftest import unwritable
from tests.faults.traffic import stored_user_messages


def test_telegram_user_is_asked_to_send_again(telegram_user, fake_provider, channel_database) -> None:
    with unwritable(channel_database):
        assert telegram_user.says("Does microneedling hurt?") == 200
        sent = fake_provider.wait_for(str(telegram_user.chat_id), 3, "sendMessage")
    assert html.unescape(sent[-1].text) == NOT_STORED_REPLY
    assert not stored_user_messages(channel_database, [f"telegram-{telegram_user.chat_id}"])
    assert telegram_user.says("Does microneedling hurt?") == 200
    again = fake_provider.wait_for(str(telegram_user.chat_id), 2, "sendMessage", since=3)
    assert all("send it again" not in record.text for record in again)
    sender = f"telegram-{telegram_user.chat_id}"
    deadline = time.monotonic() + 10  # the replies go out before the turn is saved
    while not stored_user_messages(channel_database, [sender]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert stored_user_messages(channel_database, [sender]) == {(sender, "Does microneedling hurt?")}


def test_whatsapp_user_is_asked_to_send_again(whatsapp_user, fake_provider, channel_database) -> None:
    with unwritable(channel_database):
        assert whatsapp_user.says("Does microneedling hurt?") == 200
        sent = fake_provider.wait_for(whatsapp_user.address, 3, "Messages")
    assert sent[-1].text == NOT_STORED_REPLY
    sender = sender_pseudonym(TWILIO_TOKEN, whatsapp_user.address)
    assert not stored_user_messages(channel_database, [sender])
