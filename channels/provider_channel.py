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

logger = logging.getLogger(__name__)
OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
SEEN_IDS_KEPT = 5_000
SEEN_IDS_TTL_S = 3600.0


class ProviderSettings(Protocol):
    api_base_url: str

    def problem(self) -> str | None:
        """Why the channel cannot run (missing variable...), or None."""


class ProviderApi(Protocol):
    client: Any


class ProviderInputChannel(InputChannel, ABC):
    """A messaging provider's webhook: verified requests in, replies out through ``api`` in the background."""

    def __init__(self, settings: ProviderSettings, api: ProviderApi) -> None:
        self.settings = settings
        self.disabled_because = settings.problem()
        self.api = api
        self.tasks = BackgroundTasks(self.name())
        # Providers retry webhooks they think failed; a repeated id is answered but not handled twice.
        self.seen_ids: BoundedMemory[Any, bool] = BoundedMemory(max_entries=SEEN_IDS_KEPT, ttl_s=SEEN_IDS_TTL_S)
        if self.disabled_because:
            logger.warning("%s channel disabled: %s (webhook answers 503)", self.name(), self.disabled_because)
        else:
            logger.info("%s channel enabled, sending to %s", self.name(), settings.api_base_url)

    @abstractmethod
    def respond(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        """The webhook's HTTP answer; verified messages are handed to ``self.tasks``."""

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
