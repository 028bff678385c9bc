"""Telegram input channel: verified webhook in, Bot API ``sendMessage`` out.

Replaces Rasa 3.6's stock connector, which calls ``setWebhook`` (so cannot start
offline), checks no secret, cannot be pointed at another API address and sends
Markdown unrendered. Here:

- ``POST /webhooks/telegram/webhook`` accepts an update only with the
  ``X-Telegram-Bot-Api-Secret-Token`` header given to setWebhook (else 403,
  nothing processed), answers 200 at once and handles it in the background;
- replies go to ``{api_base_url}/bot{token}/sendMessage`` as HTML, buttons as an
  inline keyboard; a tap (``callback_query``) is acknowledged and its payload
  becomes the user's message;
- an empty token or secret disables the channel: its webhook answers 503 and
  nothing is sent. Registering the webhook is an explicit command
  (``python -m channels.telegram_setup``), never part of start-up.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel
from sanic import response
from sanic.response import HTTPResponse

from channels.markdown_render import TELEGRAM_MAX_CHARS, split_text, to_telegram_html
from channels.provider_channel import EarlyAnswer, ProviderInputChannel, WebhookAnswers
from channels.provider_defaults import TELEGRAM
from channels.provider_http import ProviderClient, ProviderError, positive_float
from channels.quick_replies import Button, CallbackPayloads, button_title_for, inline_keyboard
from channels.signatures import TELEGRAM_SECRET_HEADER, telegram_secret_ok
from channels.telegram_update import TelegramInbound, parse_update
from channels.webhook_payload import DirectReply, parse_json

logger = logging.getLogger(__name__)

EXPIRED_BUTTON_REPLY = "Sorry, that button is no longer available. Please type your question instead."
# What setWebhook accepts as secret_token: 1-256 characters A-Z, a-z, 0-9, _ and -.
_SECRET_FORMAT = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


@dataclass(frozen=True)
class TelegramSettings:
    """The channel's configuration (credentials.yml, filled from environment variables)."""

    bot_token: str = ""
    webhook_secret: str = ""
    api_base_url: str = TELEGRAM.api_base_url
    timeout_s: float = TELEGRAM.timeout_s

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TelegramSettings:
        values = credentials or {}
        return cls(
            bot_token=str(values.get("access_token") or "").strip(),
            webhook_secret=str(values.get("secret_token") or "").strip(),
            api_base_url=str(values.get("api_base_url") or "").strip() or TELEGRAM.api_base_url,
            timeout_s=positive_float(values.get("timeout_s"), TELEGRAM.timeout_s),
        )

    def problem(self) -> str | None:
        """Why the channel cannot run, or ``None`` when it can."""
        if not self.bot_token:
            return "TELEGRAM_BOT_TOKEN is empty"
        if not self.webhook_secret:
            return "TELEGRAM_WEBHOOK_SECRET is empty; refusing to accept unverified updates"
        if not _SECRET_FORMAT.match(self.webhook_secret):
            return "TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -"
        return None


class TelegramBotApi:
    """The few Bot API methods the assistant uses."""

    def __init__(self, settings: TelegramSettings) -> None:
        self._token = settings.bot_token
        self.client = ProviderClient("Telegram", settings.api_base_url, settings.timeout_s, _telegram_error)

    async def call(self, method: str, body: dict[str, Any]) -> Any:
        reply = await self.client.post(f"/bot{self._token}/{method}", json_body=body)
        if not isinstance(reply, dict) or reply.get("ok") is not True:
            raise ProviderError(f"Telegram {method} did not answer ok ({_telegram_error(reply)})")
        return reply.get("result")


class TelegramOutput(OutputChannel):
    """Sends one turn's replies to one chat.

    Made per incoming message and bound to that chat. If a send fails (provider
    down, slow, refusing), the rest of the turn is skipped and counted rather than
    each waiting for its own timeout while this person's conversation lock is held.
    """

    def __init__(self, api: TelegramBotApi, payloads: CallbackPayloads, chat_id: int, log_id: str) -> None:
        self._api = api
        self._payloads = payloads
        self.chat_id = chat_id
        self.log_id = log_id
        self.failed = False
        self.sent = 0
        self.skipped = 0

    @classmethod
    def name(cls) -> str:
        return "telegram"

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send(text, None)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._send(text, buttons)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._send(image, None)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        logger.warning("telegram: custom JSON messages are not supported; one skipped for %s", self.log_id)

    async def _send(self, markdown: str, buttons: Sequence[Button] | None) -> None:
        parts = split_text((markdown or "").strip(), TELEGRAM_MAX_CHARS) if (markdown or "").strip() else []
        if buttons and not parts:
            parts = ["Please choose:"]
        for index, part in enumerate(parts):
            body: dict[str, Any] = {
                "chat_id": self.chat_id,
                "text": to_telegram_html(part),
                "parse_mode": "HTML",
                "link_preview_options": {"is_disabled": True},
            }
            if buttons and index == len(parts) - 1:
                body["reply_markup"] = inline_keyboard(buttons, self._payloads)
            await self._deliver(body)

    async def _deliver(self, body: dict[str, Any]) -> None:
        if self.failed:
            self.skipped += 1
            return
        try:
            await self._api.call("sendMessage", body)
            self.sent += 1
        except ProviderError as error:
            self.failed = True
            logger.error("telegram: sendMessage to %s failed: %s", self.log_id, error)


# The webhook's answers are JSON; Telegram only looks at the status.
TelegramBody = dict[str, str]


class TelegramInput(ProviderInputChannel[TelegramSettings, TelegramBotApi, bytes, TelegramInbound, TelegramBody]):
    """``/webhooks/telegram/webhook``: verified Telegram updates in, replies through the Bot API."""

    credential_header = TELEGRAM_SECRET_HEADER
    unverified_request = "an update without a valid secret token"
    task_label = "update"

    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(TelegramSettings.from_credentials(credentials))

    def __init__(self, settings: TelegramSettings) -> None:
        answers = WebhookAnswers[TelegramBody](
            disabled={"error": "The Telegram channel is not configured."},
            forbidden={"error": "forbidden"},
            duplicate={"status": "duplicate"},
            busy={"error": "busy"},
            accepted={"status": "accepted"},
        )
        super().__init__(settings, TelegramBotApi(settings), answers)
        self.payloads = CallbackPayloads()

    def verify(self, credential: str | None, raw_body: bytes | None) -> bytes | None:
        """The body, if the secret token is the one given to setWebhook (the body is not read before)."""
        return (raw_body or b"") if telegram_secret_ok(self.settings.webhook_secret, credential) else None

    def parse(self, request: bytes) -> TelegramInbound | EarlyAnswer[TelegramBody]:
        """The message or button tap in the update; 400 for a body that is not JSON, 200 for nothing to answer."""
        try:
            update = parse_json(request)
        except ValueError:
            return EarlyAnswer(400, {"error": "The body must be a Telegram update in JSON."})
        inbound = parse_update(update)
        if inbound is None:
            return EarlyAnswer(200, {"status": "ignored"})
        return inbound

    def output_for(self, inbound: TelegramInbound) -> TelegramOutput:
        return TelegramOutput(self.api, self.payloads, inbound.chat_id, inbound.sender)

    def incoming_text(self, inbound: TelegramInbound) -> str | DirectReply | None:
        """The text, or a tapped button's payload (its spinner stopped in the background)."""
        if not inbound.is_button:
            return inbound.text
        self.tasks.spawn(self._answer_button(inbound.callback_query_id or "", inbound.sender), "answerCallbackQuery")
        text = self._button_text(inbound)
        return DirectReply(inbound.sender, EXPIRED_BUTTON_REPLY) if text is None else text

    def http_answer(self, status: int, body: TelegramBody) -> HTTPResponse:
        return response.json(body, status=status)

    def _button_text(self, inbound: TelegramInbound) -> str | None:
        """The tapped button's payload, or its title if this process no longer knows the key."""
        if inbound.callback_data is None:
            return None
        payload = self.payloads.decode(inbound.callback_data)
        if payload is not None:
            return payload
        return button_title_for(inbound.callback_data, inbound.reply_markup)

    async def _answer_button(self, callback_query_id: str, sender: str) -> None:
        """Stop the button's loading spinner; failing that is logged, the answer still goes out."""
        try:
            await self.api.call("answerCallbackQuery", {"callback_query_id": callback_query_id})
        except ProviderError as error:
            logger.warning("telegram: answerCallbackQuery for %s failed: %s", sender, error)


def _telegram_error(body: Any) -> str:
    """``error_code`` and ``description`` of a Bot API error (they never echo the message text)."""
    if not isinstance(body, dict):
        return "no JSON body"
    detail = f"{body.get('error_code', '?')}: {str(body.get('description', ''))[:200]}"
    parameters = body.get("parameters")
    retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
    return f"{detail}, retry after {retry_after} s" if retry_after else detail
