"""The channels' own logic in-process, against the fake provider: no Rasa server needed.

Covers what the full conversations do not reach cheaply: disabled channels,
refusals before any processing, a failed send skipping the rest of the turn,
long messages split within the apps' limits, configuration defaults and the
explicit webhook-registration command.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
import yaml

from channels import telegram_setup
from channels.telegram_channel import TelegramInput, TelegramOutput, TelegramSettings
from channels.whatsapp_channel import (
    WhatsAppInput,
    WhatsAppOutput,
    WhatsAppSettings,
    message_text,
    parse_form,
    sender_pseudonym,
)
from service.launcher import DEFAULT_ENVIRONMENT, PROJECT_ROOT
from tests.channels.conftest import (
    BOT_NUMBER,
    PUBLIC_WHATSAPP_URL,
    TELEGRAM_SECRET,
    TELEGRAM_TOKEN,
    TWILIO_SID,
    TWILIO_TOKEN,
)
from tests.channels.fake_provider import FakeProvider

LONG_ANSWER = "\n\n".join(f"Paragraph {n}: " + "microneedling " * 60 for n in range(12))


class Recorder:
    """Stands in for Rasa's on_new_message."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def __call__(self, message: Any) -> None:
        self.messages.append(message)


def telegram_channel(fake: FakeProvider, **overrides: Any) -> TelegramInput:
    values = {"access_token": TELEGRAM_TOKEN, "secret_token": TELEGRAM_SECRET, "api_base_url": fake.base_url,
              "timeout_s": "0.5", **overrides}  # fmt: skip
    return TelegramInput.from_credentials(values)  # type: ignore[return-value]


def whatsapp_channel(fake: FakeProvider, **overrides: Any) -> WhatsAppInput:
    values = {"account_sid": TWILIO_SID, "auth_token": TWILIO_TOKEN, "whatsapp_number": BOT_NUMBER,
              "webhook_url": PUBLIC_WHATSAPP_URL, "api_base_url": fake.base_url, "timeout_s": "0.5",
              **overrides}  # fmt: skip
    return WhatsAppInput.from_credentials(values)  # type: ignore[return-value]


async def settle(channel: TelegramInput | WhatsAppInput) -> None:
    while channel.tasks.pending:
        await asyncio.sleep(0.01)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [({"access_token": ""}, "TELEGRAM_BOT_TOKEN"), ({"secret_token": ""}, "TELEGRAM_WEBHOOK_SECRET"),
     ({"secret_token": "has spaces"}, "1-256 characters")],
)  # fmt: skip
def test_telegram_disabled_answers_503_and_processes_nothing(fake_provider, overrides, reason) -> None:
    channel = telegram_channel(fake_provider, **overrides)
    assert reason in (channel.disabled_because or "")
    recorder = Recorder()

    async def scenario() -> tuple[int, dict]:
        return channel.accept(TELEGRAM_SECRET, b'{"update_id": 1}', recorder)

    assert asyncio.run(scenario())[0] == 503
    assert recorder.messages == []


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [({"auth_token": ""}, "TWILIO_AUTH_TOKEN"), ({"account_sid": "", "whatsapp_number": ""}, "TWILIO_ACCOUNT_SID"),
     ({"webhook_url": ""}, "TWILIO_WEBHOOK_URL")],
)  # fmt: skip
def test_whatsapp_disabled_answers_503(fake_provider, overrides, reason) -> None:
    channel = whatsapp_channel(fake_provider, **overrides)
    assert reason in (channel.disabled_because or "")

    async def scenario() -> tuple[int, str]:
        return channel.accept("sig", b"From=whatsapp%3A%2B1555&Body=hi", Recorder())

    assert asyncio.run(scenario())[0] == 503


def test_forged_requests_are_refused_before_any_work(fake_provider) -> None:
    telegram, whatsapp, recorder = telegram_channel(fake_provider), whatsapp_channel(fake_provider), Recorder()
    before = len(fake_provider.sent())

    async def scenario() -> list[int]:
        statuses = [
            telegram.accept(None, b'{"update_id": 1, "message": {"chat": {"id": 1}, "text": "hi"}}', recorder)[0],
            telegram.accept("wrong", b"not even json", recorder)[0],
            whatsapp.accept(None, b"From=whatsapp%3A%2B15550100&Body=hi", recorder)[0],
            whatsapp.accept("AAAA", b"From=whatsapp%3A%2B15550100&Body=hi", recorder)[0],
            whatsapp.accept("AAAA", b"\xff\xfe", recorder)[0],
        ]
        await asyncio.sleep(0.1)
        return statuses

    assert asyncio.run(scenario()) == [403] * 5
    assert recorder.messages == [] and telegram.tasks.pending == whatsapp.tasks.pending == 0
    assert len(fake_provider.sent()) == before


def test_telegram_duplicate_update_is_handled_once(fake_provider) -> None:
    channel, recorder = telegram_channel(fake_provider), Recorder()
    body = b'{"update_id": 99, "message": {"chat": {"id": 31}, "text": "hi"}}'

    async def scenario() -> list[int]:
        statuses = [channel.accept(TELEGRAM_SECRET, body, recorder)[0] for _ in range(3)]
        await settle(channel)
        return statuses

    assert asyncio.run(scenario()) == [200, 200, 200]
    assert [message.text for message in recorder.messages] == ["hi"]
    assert recorder.messages[0].sender_id == "telegram-31"


def test_telegram_long_answer_is_split_and_keyboard_goes_on_the_last_part(fake_provider) -> None:
    channel = telegram_channel(fake_provider)
    output = TelegramOutput(channel.api, channel.payloads, 3101, "telegram-3101")
    buttons = [{"title": "Does it hurt?", "payload": "/ask_pain"}]

    async def scenario() -> None:
        await output.send_text_with_buttons("telegram-3101", LONG_ANSWER * 3, buttons)
        await channel.api.client.close()

    asyncio.run(scenario())
    sent = fake_provider.sent("3101", "sendMessage")
    assert len(sent) > 1 and all(record.status == 200 for record in sent)
    assert ["reply_markup" in record.body for record in sent] == [False] * (len(sent) - 1) + [True]


def test_a_failed_send_skips_the_rest_of_the_turn(fake_provider) -> None:
    channel = telegram_channel(fake_provider)
    fake_provider.fail_for("3102")
    output = TelegramOutput(channel.api, channel.payloads, 3102, "telegram-3102")

    async def scenario() -> None:
        for text in ("one", "two", "three"):
            await output.send_text_message("telegram-3102", text)
        await channel.api.client.close()

    asyncio.run(scenario())
    assert len(fake_provider.sent("3102")) == 1
    assert (output.failed, output.sent, output.skipped) == (True, 0, 2)


def test_whatsapp_long_answer_split_within_1600_and_options_remembered_after_delivery(fake_provider) -> None:
    channel = whatsapp_channel(fake_provider)
    address = "whatsapp:+15550103101"
    output = WhatsAppOutput(channel.api, channel.options, address, "whatsapp-x")
    buttons = [{"title": "Does it hurt?", "payload": "/ask_pain"}, {"title": "Cost", "payload": "/ask_cost"}]

    async def scenario() -> None:
        await output.send_text_with_buttons("whatsapp-x", LONG_ANSWER, buttons)
        await channel.api.client.close()

    asyncio.run(scenario())
    sent = fake_provider.sent(address, "Messages")
    assert len(sent) > 1 and all(record.status == 201 for record in sent)
    assert all(len(record.text) <= 1600 for record in sent)
    assert sent[-1].text.endswith("1. Does it hurt?\n2. Cost\nReply with a number to choose.")
    assert sent[0].body["From"] == BOT_NUMBER and sent[0].auth == (TWILIO_SID, TWILIO_TOKEN)
    assert channel.options.resolve("whatsapp-x", "2") == "/ask_cost"


def test_whatsapp_options_not_remembered_when_the_send_failed(fake_provider) -> None:
    channel = whatsapp_channel(fake_provider)
    address = "whatsapp:+15550103102"
    fake_provider.fail_for(address)
    output = WhatsAppOutput(channel.api, channel.options, address, "whatsapp-y")

    async def scenario() -> None:
        await output.send_text_with_buttons("whatsapp-y", "Pick one", [{"title": "A", "payload": "/ask_pain"}])
        await channel.api.client.close()

    asyncio.run(scenario())
    assert channel.options.resolve("whatsapp-y", "1") is None


def test_wrong_twilio_credentials_are_logged_as_a_failure(fake_provider, caplog) -> None:
    channel = whatsapp_channel(fake_provider, auth_token="not-the-token")
    output = WhatsAppOutput(channel.api, channel.options, "whatsapp:+15550103103", "whatsapp-z")

    async def scenario() -> None:
        await output.send_text_message("whatsapp-z", "secret medical question")
        await channel.api.client.close()

    with caplog.at_level("ERROR"):
        asyncio.run(scenario())
    assert output.failed
    assert "HTTP 401 (error 20003)" in caplog.text
    assert "secret medical question" not in caplog.text and "+15550103103" not in caplog.text


def test_sender_pseudonym_is_stable_and_hides_the_number() -> None:
    first = sender_pseudonym(TWILIO_TOKEN, "whatsapp:+15550100001")
    assert first == sender_pseudonym(TWILIO_TOKEN, "whatsapp:+15550100001")
    assert first != sender_pseudonym(TWILIO_TOKEN, "whatsapp:+15550100002")
    assert first != sender_pseudonym("another-token", "whatsapp:+15550100001")
    assert re.fullmatch(r"whatsapp-[0-9a-f]{20}", first) and "5550100001" not in first


def test_whatsapp_message_text() -> None:
    assert message_text(parse_form(b"Body=Does+it+hurt%3F&NumMedia=0") or {}) == "Does it hurt?"
    assert message_text(parse_form(b"Body=&NumMedia=1") or {}) is None
    assert message_text(parse_form(b"Body=&Latitude=1&Longitude=2") or {}) is None
    assert message_text(parse_form(b"Body=&NumMedia=0") or {}) == ""
    assert parse_form(b"\xff") is None


def test_settings_defaults_and_number_prefix() -> None:
    settings = WhatsAppSettings.from_credentials({"whatsapp_number": "+14155238886", "timeout_s": "bad"})
    assert settings.whatsapp_number == "whatsapp:+14155238886" and settings.timeout_s == 10.0
    assert settings.api_base_url == "https://api.twilio.com"
    assert TelegramSettings.from_credentials({"api_base_url": "", "timeout_s": "-1"}).api_base_url == (
        "https://api.telegram.org"
    )


def test_every_credentials_variable_has_a_launcher_default() -> None:
    text = (PROJECT_ROOT / "credentials.yml").read_text()
    variables = set(re.findall(r"\$\{([A-Z0-9_]+)\}", text))
    assert {"TELEGRAM_BOT_TOKEN", "TWILIO_AUTH_TOKEN", "TWILIO_WEBHOOK_URL"} <= variables
    assert variables <= set(DEFAULT_ENVIRONMENT)


def test_credentials_with_launcher_defaults_leave_both_channels_disabled(monkeypatch) -> None:
    from rasa.shared.utils.io import read_config_file

    for name, value in DEFAULT_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    credentials = read_config_file(str(PROJECT_ROOT / "credentials.yml"))
    telegram = TelegramInput.from_credentials(credentials["channels.telegram_channel.TelegramInput"])
    whatsapp = WhatsAppInput.from_credentials(credentials["channels.whatsapp_channel.WhatsAppInput"])
    assert telegram.disabled_because and whatsapp.disabled_because  # type: ignore[attr-defined]
    assert yaml.safe_dump(credentials)  # plain values, nothing unexpanded


def test_webhook_registration_is_an_explicit_command(fake_provider, monkeypatch, capsys) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TELEGRAM_TOKEN)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", TELEGRAM_SECRET)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", fake_provider.base_url)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", "http://insecure.example.com/webhooks/telegram/webhook")
    assert telegram_setup.main([]) == 2
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", "https://clinic.example.com/webhooks/telegram/webhook")
    assert telegram_setup.main([]) == 0
    registered = fake_provider.sent(method="setWebhook")[-1].body
    assert registered == {
        "url": "https://clinic.example.com/webhooks/telegram/webhook",
        "secret_token": TELEGRAM_SECRET,
        "allowed_updates": ["message", "callback_query"],
    }
    assert TELEGRAM_TOKEN not in capsys.readouterr().out
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:9")  # nothing listens: a clear error, exit 1
    assert telegram_setup.main([]) == 1
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "")
    assert telegram_setup.main([]) == 2


def test_background_failure_is_logged_without_its_message(caplog) -> None:
    from channels.background import BackgroundTasks

    tasks = BackgroundTasks("telegram")

    async def boom() -> None:
        raise RuntimeError("Does it hurt? +15550100001")

    async def scenario() -> None:
        tasks.spawn(boom(), "update for telegram-1")
        while tasks.pending:
            await asyncio.sleep(0.01)

    with caplog.at_level("ERROR"):
        asyncio.run(scenario())
    assert "telegram: update for telegram-1 failed: RuntimeError" in caplog.text
    assert "Does it hurt" not in caplog.text and "+1555" not in caplog.text


def test_full_task_queue_answers_503_so_the_provider_retries(fake_provider) -> None:
    channel, recorder = telegram_channel(fake_provider), Recorder()
    channel.tasks.max_pending = 1
    release = asyncio.Event()

    async def slow_rasa(message: Any) -> None:
        await release.wait()

    async def scenario() -> list[int]:
        first = channel.accept(
            TELEGRAM_SECRET, b'{"update_id": 501, "message": {"chat": {"id": 5}, "text": "a"}}', slow_rasa
        )
        second = channel.accept(
            TELEGRAM_SECRET, b'{"update_id": 502, "message": {"chat": {"id": 6}, "text": "b"}}', recorder
        )
        release.set()
        await settle(channel)
        return [first[0], second[0]]

    assert asyncio.run(scenario()) == [200, 503]
    assert recorder.messages == []


def test_beyond_the_messages_in_flight_a_person_is_asked_to_wait(fake_provider) -> None:
    channel = telegram_channel(fake_provider)
    channel.gate.max_in_flight = 1
    release = asyncio.Event()
    answered: list[str] = []

    async def slow_rasa(message: Any) -> None:
        await release.wait()
        answered.append(message.text)
        await message.output_channel.send_text_message(message.sender_id, "an answer")

    async def scenario() -> None:
        for number, text in enumerate(["first", "second"]):
            body = f'{{"update_id": {700 + number}, "message": {{"chat": {{"id": 77}}, "text": "{text}"}}}}'
            assert channel.accept(TELEGRAM_SECRET, body.encode(), slow_rasa)[0] == 200
        await asyncio.sleep(0.2)
        release.set()
        await settle(channel)

    asyncio.run(scenario())
    assert answered == ["first"]
    texts = [record.text for record in fake_provider.sent("77", "sendMessage")]
    assert any("still answering your earlier messages" in text for text in texts)
    assert "an answer" in texts
