"""The REST channel, with bad requests answered clearly instead of crashing.

Rasa's stock ``RestInput`` passes a missing message on as ``None``, answers
malformed JSON with Sanic's generic error, and logs message text on failure.
This channel keeps the stock URL (``/webhooks/rest/webhook``) and reply format
but validates the body first and never logs what the person wrote. It also
admits a conversation's messages one at a time and refuses a burst with 429
(channels/sender_gate.py), answers 503 when the turn could not be stored
(rasa_extensions/save_watch.py), and says "temporarily unavailable" when a turn
produced no answer at all (channels/unavailable.py).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.blueprints import channel_blueprint
from channels.reply_texts import load_reply_texts
from channels.sender_gate import SenderGate
from channels.unavailable import unavailable_reply
from channels.webhook_payload import BadRequest, DirectReply, parse_webhook_payload
from rasa_extensions.save_watch import NOT_STORED_REPLY, watch_saves

logger = logging.getLogger(__name__)
FAILURE_REPLY = "Sorry, something went wrong on our side. Please try again in a moment."
BUSY_REPLY = "Too many messages at once from this conversation. Please wait for the answers, then try again."


class GuardedRestInput(RestInput):
    """REST webhook that validates input; same name and URL as Rasa's ``rest``."""

    def __init__(self) -> None:
        super().__init__()
        # The knowledge file's replies, loaded now: a broken file stops the server at start-up.
        load_reply_texts()
        self.gate = SenderGate()
        self.unavailable = unavailable_reply()

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        """Health check and webhook routes."""
        webhook = channel_blueprint(self, "guarded_rest")

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            payload = parse_webhook_payload(request.body)
            if isinstance(payload, BadRequest):
                return response.json({"error": payload.reason}, status=400)
            if isinstance(payload, DirectReply):
                return response.json([{"recipient_id": payload.sender, "text": payload.text}])
            ticket = self.gate.admit(payload.sender)
            if ticket is None:
                logger.warning("rest: %s has %d messages in flight, refused one more (429)", payload.sender,
                               self.gate.max_in_flight)  # fmt: skip
                return response.json({"error": BUSY_REPLY}, status=429, headers={"Retry-After": "1"})
            collector = CollectingOutputChannel()
            try:
                async with ticket:
                    with watch_saves() as saves:
                        message = UserMessage(payload.text, collector, payload.sender, input_channel=self.name())
                        await on_new_message(message)
            except Exception:
                logger.exception("rest: failed to handle a message (text not logged)")
                return response.json({"error": FAILURE_REPLY}, status=500)
            if saves.failed:
                # The answer is dropped too: the visitor sends again, and the stored conversation stays consistent.
                reason = saves.failures[-1][1]
                logger.error("rest: conversation %s not stored, answered 503 (%s)", payload.sender, reason)
                return response.json({"error": NOT_STORED_REPLY}, status=503, headers={"Retry-After": "5"})
            if not collector.messages:
                logger.error(
                    "rest: no answer for %s (action server down?); sent 'temporarily unavailable'", payload.sender
                )
                return response.json([{"recipient_id": payload.sender, "text": self.unavailable}])
            return response.json(collector.messages)

        return webhook
