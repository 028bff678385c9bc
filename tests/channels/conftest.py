"""The real servers with both messaging channels on, talking to a fake provider on 127.0.0.1.

One stack for the whole session (loading the model is the slow part). Each test
uses its own chat ids and phone numbers, so conversations never mix.
"""

from __future__ import annotations

import itertools
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from channels.signatures import TELEGRAM_SECRET_HEADER, TWILIO_SIGNATURE_HEADER, twilio_signature
from service.launcher import DEFAULT_MODEL, PROJECT_ROOT, SQLITE_TRACKER_STORE, Stack, free_port, running_stack
from tests.channels.fake_provider import FakeProvider

TELEGRAM_TOKEN = "123456:TEST-bot-token"
TELEGRAM_SECRET = "test-secret_0123456789"
TWILIO_SID = "AC" + "0" * 32
TWILIO_TOKEN = "test-twilio-auth-token"
BOT_NUMBER = "whatsapp:+14155238886"
# What Twilio was told; deliberately not the 127.0.0.1 URL the server sees (as behind a proxy).
PUBLIC_WHATSAPP_URL = "https://clinic.example.com/webhooks/whatsapp/webhook"
SEND_TIMEOUT_S = 1.0
LOG_DIR = PROJECT_ROOT / "results" / "channels"


def post(url: str, data: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@dataclass
class TelegramUser:
    """Someone chatting with the bot in Telegram; sends updates as Telegram would."""

    webhook_url: str
    chat_id: int
    _update_ids = itertools.count(10_000)

    def update(self, **content: Any) -> dict[str, Any]:
        return {"update_id": next(self._update_ids), **content}

    def message_update(self, text: str) -> dict[str, Any]:
        chat = {"id": self.chat_id, "type": "private", "first_name": "Test"}
        sender = {"id": self.chat_id, "is_bot": False, "first_name": "Test"}
        message = {"message_id": 1, "date": 1_700_000_000, "chat": chat, "from": sender, "text": text}
        return self.update(message=message)

    def button_update(self, data: str, markup: dict[str, Any] | None = None) -> dict[str, Any]:
        message = {"message_id": 2, "date": 1_700_000_000, "chat": {"id": self.chat_id, "type": "private"}}
        if markup:
            message["reply_markup"] = markup
        query = {"id": f"cbq-{self.chat_id}", "from": {"id": self.chat_id, "is_bot": False}, "message": message}
        return self.update(callback_query={**query, "data": data, "chat_instance": "1"})

    def send_update(self, update: dict[str, Any], secret: str | None = TELEGRAM_SECRET) -> int:
        """POST the update; ``secret=None`` leaves the secret header out."""
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[TELEGRAM_SECRET_HEADER] = secret
        status, _ = post(self.webhook_url, json.dumps(update).encode(), headers)
        return status

    def says(self, text: str) -> int:
        return self.send_update(self.message_update(text))

    def taps(self, data: str, markup: dict[str, Any] | None = None) -> int:
        return self.send_update(self.button_update(data, markup))


@dataclass
class WhatsAppUser:
    """Someone writing to the clinic's WhatsApp number; Twilio's signed form posts."""

    webhook_url: str
    address: str
    signing_url: str = PUBLIC_WHATSAPP_URL
    _sids = itertools.count(1)

    def form(self, body: str, **extra: str) -> dict[str, list[str]]:
        fields = {
            "SmsMessageSid": f"SM{next(self._sids):032x}",
            "NumMedia": "0",
            "ProfileName": "Test Person",
            "Body": body,
            "To": BOT_NUMBER,
            "From": self.address,
            "AccountSid": TWILIO_SID,
            "ApiVersion": "2010-04-01",
            **extra,
        }
        fields["MessageSid"] = fields["SmsMessageSid"]
        return {key: [value] for key, value in fields.items()}

    def sign(self, form: dict[str, list[str]]) -> str:
        return twilio_signature(TWILIO_TOKEN, self.signing_url, form)

    def send_form(self, form: dict[str, list[str]], signature: str | None) -> tuple[int, bytes]:
        """POST the form; ``signature=None`` leaves the signature header out."""
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if signature is not None:
            headers[TWILIO_SIGNATURE_HEADER] = signature
        return post(self.webhook_url, urllib.parse.urlencode(form, doseq=True).encode(), headers)

    def says(self, body: str) -> int:
        form = self.form(body)
        return self.send_form(form, self.sign(form))[0]


@pytest.fixture(scope="session")
def fake_provider() -> Iterator[FakeProvider]:
    with FakeProvider(TELEGRAM_TOKEN, TWILIO_SID, TWILIO_TOKEN) as provider:
        yield provider


def channel_environment(fake: FakeProvider, database: Path) -> dict[str, str]:
    return {
        "TRACKER_STORE_TYPE": SQLITE_TRACKER_STORE,
        "TRACKER_STORE_URL": f"sqlite:///{database}",
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "TWILIO_ACCOUNT_SID": TWILIO_SID,
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "TWILIO_WHATSAPP_NUMBER": BOT_NUMBER,
        "TWILIO_WEBHOOK_URL": PUBLIC_WHATSAPP_URL,
        "TWILIO_API_BASE_URL": fake.base_url,
        "CHANNEL_API_TIMEOUT_S": str(SEND_TIMEOUT_S),
    }


@pytest.fixture(scope="session")
def channel_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The channel stack's SQLite tracker store."""
    return tmp_path_factory.mktemp("trackers") / "trackers.db"


@pytest.fixture(scope="session")
def channel_stack(fake_provider: FakeProvider, channel_database: Path) -> Iterator[Stack]:
    if not DEFAULT_MODEL.exists():
        pytest.fail("no trained model; run `make train`")
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    env = channel_environment(fake_provider, channel_database)
    with running_stack(rasa_port=free_port(), action_port=free_port(), env=env, log_dir=LOG_DIR) as stack:
        yield stack


@pytest.fixture
def server_log() -> Path:
    return LOG_DIR / "rasa-server.log"


_chat_ids = itertools.count(700_001)
_phone_numbers = itertools.count(5_550_100_001)


@pytest.fixture
def telegram_user(channel_stack: Stack) -> TelegramUser:
    return TelegramUser(f"{channel_stack.rasa_url}/webhooks/telegram/webhook", next(_chat_ids))


@pytest.fixture
def new_telegram_user(channel_stack: Stack):
    return lambda: TelegramUser(f"{channel_stack.rasa_url}/webhooks/telegram/webhook", next(_chat_ids))


@pytest.fixture
def whatsapp_user(channel_stack: Stack) -> WhatsAppUser:
    return WhatsAppUser(f"{channel_stack.rasa_url}/webhooks/whatsapp/webhook", f"whatsapp:+1{next(_phone_numbers)}")


@pytest.fixture
def new_whatsapp_user(channel_stack: Stack):
    return lambda: WhatsAppUser(
        f"{channel_stack.rasa_url}/webhooks/whatsapp/webhook", f"whatsapp:+1{next(_phone_numbers)}"
    )
