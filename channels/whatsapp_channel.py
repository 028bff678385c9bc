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
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.inbound_text import screen_text
from channels.markdown_render import WHATSAPP_MAX_CHARS, split_text, to_whatsapp
from channels.provider_channel import OnNewMessage, ProviderInputChannel
from channels.provider_http import ProviderClient, ProviderError, positive_float
from channels.quick_replies import OfferedOptions, numbered_options
from channels.sender_ids import WHATSAPP_PREFIX as SENDER_PREFIX
from channels.signatures import TWILIO_SIGNATURE_HEADER, twilio_signature_ok
from channels.webhook_payload import DirectReply

logger = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://api.twilio.com"
DEFAULT_TIMEOUT_S = 10.0
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
    api_base_url: str = DEFAULT_API_BASE_URL
    timeout_s: float = DEFAULT_TIMEOUT_S

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
            api_base_url=values.get("api_base_url") or DEFAULT_API_BASE_URL,
            timeout_s=positive_float(values.get("timeout_s"), DEFAULT_TIMEOUT_S),
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


class WhatsAppInput(ProviderInputChannel):
    """``/webhooks/whatsapp/webhook``: signed Twilio requests in, replies through Twilio's API."""

    @classmethod
    def name(cls) -> str:
        return "whatsapp"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(WhatsAppSettings.from_credentials(credentials))

    def __init__(self, settings: WhatsAppSettings) -> None:
        super().__init__(settings, TwilioMessagesApi(settings))
        self.options = OfferedOptions()

    def respond(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        status, body = self.accept(request.headers.get(TWILIO_SIGNATURE_HEADER), request.body, on_new_message)
        if status == 200:
            return response.text(body, content_type="text/xml")
        return response.json({"error": body}, status=status)

    def accept(self, signature: str | None, raw_body: bytes | None, on_new_message: OnNewMessage) -> tuple[int, str]:
        """Decide the webhook's answer; a verified message is handed to a background task.

        Must run inside the server's event loop. The parameters are parsed only to
        check the signature over them; nothing is acted on before it verifies.
        """
        if self.disabled_because:
            return 503, "The WhatsApp channel is not configured."
        params = parse_form(raw_body)
        if params is None or not twilio_signature_ok(
            self.settings.auth_token, self.settings.webhook_url, params, signature
        ):
            logger.warning("whatsapp: refused a request without a valid Twilio signature (403)")
            return 403, "forbidden"
        address = (params.get("From") or [""])[0]
        if not address:
            return 400, "No sender (From) in the request."
        message_sid = (params.get("MessageSid") or [""])[0]
        if not message_sid:
            # Twilio names every message; without the id a captured signed request could be replayed forever.
            return 400, "No MessageSid in the request."
        if self.seen_ids.seen_before(message_sid):
            return 200, EMPTY_TWIML
        if not self.tasks.has_room():
            logger.error("whatsapp: %d messages pending, refusing more for now (503)", self.tasks.pending)
            return 503, "busy"
        sender = sender_pseudonym(self.settings.auth_token, address)
        self.tasks.spawn(self.handle(address, sender, message_text(params), on_new_message), f"message for {sender}")
        return 200, EMPTY_TWIML

    async def handle(self, address: str, sender: str, text: str | None, on_new_message: OnNewMessage) -> None:
        """Run the message through Rasa and send the replies (in the background)."""
        output = WhatsAppOutput(self.api, self.options, address, sender)
        chosen = self.options.resolve(sender, text) if text is not None else None
        screened = screen_text(sender, chosen or text)
        if isinstance(screened, DirectReply):
            await output.send_text_message(sender, screened.text)
        else:
            # No await before this call: it takes this person's place in line now,
            # so two messages from one person are answered in the order they came.
            await self.run_turn(screened.text, output, sender, on_new_message)
        if output.skipped:
            logger.error("whatsapp: skipped %d further replies to %s after a failed send", output.skipped, sender)


def _twilio_error(body: Any) -> str:
    """Twilio's error code only: its error message can quote the phone number."""
    return f"error {body.get('code')}" if isinstance(body, dict) and body.get("code") else ""
