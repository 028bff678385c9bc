"""What the Telegram and WhatsApp input channels share: on/off state, background work, the Sanic routes.

Both answer the provider's webhook at once and do the work in the background;
both are off (webhook 503) until their variables are set; both close their
HTTP client when the server stops. Each subclass only decides how to answer a
webhook request (``respond``) and how to handle a verified message.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.background import BackgroundTasks
from channels.blueprints import channel_blueprint
from channels.bounded_memory import BoundedMemory
from channels.sender_gate import SenderGate
from channels.unavailable import unavailable_reply
from rasa_extensions.save_watch import NOT_STORED_REPLY, watch_saves

logger = logging.getLogger(__name__)
OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
SEEN_IDS_KEPT = 5_000
SEEN_IDS_TTL_S = 3600.0
# Messages of one person waiting or being answered; a provider retries a refused webhook, so beyond this
# the person is asked to wait instead.
MAX_IN_FLIGHT_PER_PERSON = 10
BURST_REPLY = "I'm still answering your earlier messages. Please wait for my answers, then send this one again."


class ProviderSettings(Protocol):
    api_base_url: str

    def problem(self) -> str | None:
        """Why the channel cannot run (missing variable...), or None."""


class ProviderApi(Protocol):
    client: Any


class CountingOutput(Protocol):
    """An output channel bound to one person that counts what it sent."""

    sent: int
    failed: bool

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None: ...


class ProviderInputChannel(InputChannel, ABC):
    """A messaging provider's webhook: verified requests in, replies out through ``api`` in the background."""

    def __init__(self, settings: ProviderSettings, api: ProviderApi) -> None:
        self.settings = settings
        self.disabled_because = settings.problem()
        self.api = api
        self.tasks = BackgroundTasks(self.name())
        # Providers retry webhooks they think failed; a repeated id is answered but not handled twice.
        self.seen_ids: BoundedMemory[Any, bool] = BoundedMemory(max_entries=SEEN_IDS_KEPT, ttl_s=SEEN_IDS_TTL_S)
        self.gate = SenderGate(MAX_IN_FLIGHT_PER_PERSON)
        if self.disabled_because:
            logger.warning("%s channel disabled: %s (webhook answers 503)", self.name(), self.disabled_because)
        else:
            logger.info("%s channel enabled, sending to %s", self.name(), settings.api_base_url)

    @abstractmethod
    def respond(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        """The webhook's HTTP answer; verified messages are handed to ``self.tasks``."""

    async def run_turn(self, text: str, output: CountingOutput, sender: str, on_new_message: OnNewMessage) -> None:
        """Rasa's turn for one message, then "please send it again" or "temporarily unavailable" if it went wrong.

        Call it before any other ``await`` of the task: the place in this person's line is taken at once, so
        their messages are answered in the order they came, each as soon as the previous one is done (Rasa's
        own lock would poll once a second).
        """
        ticket = self.gate.admit(sender)
        if ticket is None:
            logger.warning(
                "%s: %s has %d messages in flight, asked to wait", self.name(), sender, self.gate.max_in_flight
            )
            await output.send_text_message(sender, BURST_REPLY)
            return
        async with ticket:
            with watch_saves() as saves:
                await on_new_message(UserMessage(text, output, sender, input_channel=self.name()))
        if saves.failed:
            logger.error("%s: conversation %s not stored: %s", self.name(), sender, saves.failures[-1][1])
            await output.send_text_message(sender, NOT_STORED_REPLY)
        elif output.sent == 0 and not output.failed:
            logger.error(
                "%s: no answer for %s (action server down?); sent 'temporarily unavailable'", self.name(), sender
            )
            await output.send_text_message(sender, unavailable_reply())

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """``GET /`` reports whether the channel is on; ``POST /webhook`` is the provider's webhook."""
        webhook = channel_blueprint(self, self.name())

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok", "enabled": self.disabled_because is None})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return self.respond(request, on_new_message)

        @webhook.listener("after_server_stop")
        async def close_client(app: Any, loop: Any) -> None:
            await self.api.client.close()

        return webhook
