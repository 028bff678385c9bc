"""WhatsApp through Twilio: signed webhook in, Twilio Messages API out.

Replaces Rasa 3.6's stock ``twilio`` connector, which checks no signature, sends
through the blocking Twilio client (its address hard-coded, one slow call
stalls every conversation) and drops buttons. Here:

- ``POST /webhooks/whatsapp/webhook`` accepts a message only with a valid
  ``X-Twilio-Signature`` computed over the configured public URL
  (``TWILIO_WEBHOOK_URL``; behind a proxy the URL seen here differs), else 403
  and nothing is processed; it answers an empty TwiML document at once and
  handles the message in the background;
- replies are POSTed to ``{api_base_url}/2010-04-01/Accounts/{sid}/Messages.json``
  with Markdown turned into WhatsApp formatting and buttons into numbered
  options; a reply "2" stands for the second option last offered;
- the tracker store sees a pseudonym, never the phone number: the sender id is
  an HMAC of the number keyed with the auth token (rotating the token therefore
  starts fresh conversations);
- empty credentials disable the channel: its webhook answers 503 and nothing is sent.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel
from sanic import response
from sanic.response import HTTPResponse

from channels.markdown_render import WHATSAPP_MAX_CHARS, split_text, to_whatsapp
from channels.provider_channel import EarlyAnswer, ProviderInputChannel, WebhookAnswers
from channels.provider_defaults import TWILIO
from channels.provider_http import ProviderClient, ProviderError, positive_float
from channels.quick_replies import OfferedOptions, numbered_options
from channels.sender_ids import WHATSAPP_PREFIX as SENDER_PREFIX
from channels.signatures import TWILIO_SIGNATURE_HEADER, twilio_signature_ok
from channels.webhook_payload import DirectReply

logger = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
WHATSAPP_PREFIX = "whatsapp:"

FormParams = Mapping[str, Sequence[str]]


@dataclass(frozen=True)
class WhatsAppSettings:
    """The channel's configuration (credentials.yml, filled from environment variables)."""

    account_sid: str = ""
    auth_token: str = ""
    whatsapp_number: str = ""
    webhook_url: str = ""
    api_base_url: str = TWILIO.api_base_url
    timeout_s: float = TWILIO.timeout_s

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WhatsAppSettings:
        values = {key: str(value or "").strip() for key, value in (credentials or {}).items()}
        number = values.get("whatsapp_number", "")
        if number and not number.startswith(WHATSAPP_PREFIX):
            number = WHATSAPP_PREFIX + number
        return cls(
            account_sid=values.get("account_sid", ""),
            auth_token=values.get("auth_token", ""),
            whatsapp_number=number,
            webhook_url=values.get("webhook_url", ""),
            api_base_url=values.get("api_base_url") or TWILIO.api_base_url,
            timeout_s=positive_float(values.get("timeout_s"), TWILIO.timeout_s),
        )

    def problem(self) -> str | None:
        """Why the channel cannot run, or ``None`` when it can."""
        missing = [
            name
            for name, value in (
                ("TWILIO_ACCOUNT_SID", self.account_sid),
                ("TWILIO_AUTH_TOKEN", self.auth_token),
                ("TWILIO_WHATSAPP_NUMBER", self.whatsapp_number),
            )
            if not value
        ]
        if missing:
            return f"{', '.join(missing)} empty"
        if not self.webhook_url:
            return "TWILIO_WEBHOOK_URL is empty, so Twilio's signatures cannot be verified"
        return None


def sender_pseudonym(auth_token: str, address: str) -> str:
    """A stable conversation id for a WhatsApp address that does not reveal the phone number."""
    digest = hmac.new(auth_token.encode(), address.encode(), hashlib.sha256).hexdigest()
    return f"{SENDER_PREFIX}{digest[:20]}"


def parse_form(raw_body: bytes | None) -> FormParams | None:
    """Twilio's form-encoded parameters, every value kept (empty ones too: they are signed)."""
    try:
        return parse_qs((raw_body or b"").decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        return None


def message_text(params: FormParams) -> str | None:
    """The text of the message; ``None`` for a photo, voice note or location without text."""
    body = (params.get("Body") or [""])[0]
    has_media = (params.get("NumMedia") or ["0"])[0] not in ("", "0")
    return None if not body.strip() and (has_media or "Latitude" in params) else body


class TwilioMessagesApi:
    """Twilio's Messages resource, called directly with aiohttp (non-blocking, configurable address)."""

    def __init__(self, settings: WhatsAppSettings) -> None:
        self._path = f"/2010-04-01/Accounts/{settings.account_sid}/Messages.json"
        self._auth = aiohttp.BasicAuth(settings.account_sid, settings.auth_token)
        self._from = settings.whatsapp_number
        self.client = ProviderClient("Twilio", settings.api_base_url, settings.timeout_s, _twilio_error)

    async def send(self, to: str, body: str) -> str:
        """Queue one message; the message SID Twilio returns."""
        reply = await self.client.post(self._path, form={"From": self._from, "To": to, "Body": body}, auth=self._auth)
        if not isinstance(reply, dict) or not reply.get("sid"):
            raise ProviderError("Twilio answered without a message sid")
        return str(reply["sid"])


class WhatsAppOutput(OutputChannel):
    """Sends one turn's replies to one WhatsApp address.

    Made per incoming message, so it holds the real address while Rasa only sees
    the pseudonym. After a failed send the rest of the turn is skipped and counted.
    """

    def __init__(self, api: TwilioMessagesApi, options: OfferedOptions, address: str, sender: str) -> None:
        self._api = api
        self._options = options
        self._address = address
        self.sender = sender
        self.failed = False
        self.sent = 0
        self.skipped = 0

    @classmethod
    def name(cls) -> str:
        return "whatsapp"

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send(to_whatsapp(text or ""))

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        if await self._send("\n\n".join(filter(None, [to_whatsapp(text or ""), numbered_options(buttons)]))):
            self._options.offer(self.sender, buttons)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._send(image)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        logger.warning("whatsapp: custom JSON messages are not supported; one skipped for %s", self.sender)

    async def _send(self, text: str) -> bool:
        """Send ``text`` (split at Twilio's 1600 characters); True if every part went out."""
        for part in split_text(text.strip(), WHATSAPP_MAX_CHARS) if text.strip() else []:
            if self.failed:
                self.skipped += 1
                continue
            try:
                await self._api.send(self._address, part)
                self.sent += 1
            except ProviderError as error:
                self.failed = True
                logger.error("whatsapp: sending to %s failed: %s", self.sender, error)
        return not self.failed


@dataclass(frozen=True)
class WhatsAppInbound:
    """One verified WhatsApp message. ``address`` is the phone number: used to reply, never logged or stored."""

    address: str
    sender: str  # sender_pseudonym of the address: the conversation id Rasa sees
    message_id: str  # Twilio's MessageSid
    text: str | None  # None for a photo, voice note or location without text


class WhatsAppInput(ProviderInputChannel[WhatsAppSettings, TwilioMessagesApi, FormParams, WhatsAppInbound, str]):
    """``/webhooks/whatsapp/webhook``: signed Twilio requests in, replies through Twilio's API.

    A webhook answer's body is TwiML for 200 (empty: the replies go through the API), else an error text.
    """

    credential_header = TWILIO_SIGNATURE_HEADER
    unverified_request = "a request without a valid Twilio signature"
    task_label = "message"

    @classmethod
    def name(cls) -> str:
        return "whatsapp"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(WhatsAppSettings.from_credentials(credentials))

    def __init__(self, settings: WhatsAppSettings) -> None:
        answers = WebhookAnswers(
            disabled="The WhatsApp channel is not configured.",
            forbidden="forbidden",
            duplicate=EMPTY_TWIML,
            busy="busy",
            accepted=EMPTY_TWIML,
        )
        super().__init__(settings, TwilioMessagesApi(settings), answers)
        self.options = OfferedOptions()

    def verify(self, credential: str | None, raw_body: bytes | None) -> FormParams | None:
        """The form parameters, if the signature over them and the public URL is Twilio's.

        They are parsed only to check the signature over them; nothing is acted on before it verifies.
        """
        params = parse_form(raw_body)
        if params is None or not twilio_signature_ok(
            self.settings.auth_token, self.settings.webhook_url, params, credential
        ):
            return None
        return params

    def parse(self, request: FormParams) -> WhatsAppInbound | EarlyAnswer[str]:
        """The message; 400 without a sender or a MessageSid."""
        address = (request.get("From") or [""])[0]
        if not address:
            return EarlyAnswer(400, "No sender (From) in the request.")
        message_sid = (request.get("MessageSid") or [""])[0]
        if not message_sid:
            # Twilio names every message; without the id a captured signed request could be replayed forever.
            return EarlyAnswer(400, "No MessageSid in the request.")
        sender = sender_pseudonym(self.settings.auth_token, address)
        return WhatsAppInbound(address, sender, message_sid, message_text(request))

    def output_for(self, inbound: WhatsAppInbound) -> WhatsAppOutput:
        return WhatsAppOutput(self.api, self.options, inbound.address, inbound.sender)

    def incoming_text(self, inbound: WhatsAppInbound) -> str | DirectReply | None:
        """The text, or the option a reply such as "2" stands for."""
        if inbound.text is None:
            return None
        return self.options.resolve(inbound.sender, inbound.text) or inbound.text

    def http_answer(self, status: int, body: str) -> HTTPResponse:
        if status == 200:
            return response.text(body, content_type="text/xml")
        return response.json({"error": body}, status=status)


def _twilio_error(body: Any) -> str:
    """Twilio's error code only: its error message can quote the phone number."""
    return f"error {body.get('code')}" if isinstance(body, dict) and body.get("code") else ""
