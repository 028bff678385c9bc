"""What the Telegram and WhatsApp input channels share: the webhook's steps, background work, the Sanic routes.

Both answer the provider's webhook at once and do the work in the background;
both are off (webhook 503) until their variables are set; both close their
HTTP client when the server stops. The order of the webhook's steps matters for
safety (nothing in a request is acted on before it is verified; a retried
delivery is not answered twice; a flood gets 503s, not unbounded memory), so it
is written once here (``accept`` and ``handle``, template methods) and a channel
supplies only what differs between providers:

- ``verify``: the provider's signature or secret over the raw request;
- ``parse``: the verified request as one message to answer, or an early answer;
- ``output_for`` and ``incoming_text``: how replies are sent, what the person wrote;
- ``http_answer`` and ``answers``: the provider's idea of a webhook reply.

See docs/adding-a-channel.md.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.background import BackgroundTasks
from channels.blueprints import channel_blueprint
from channels.bounded_memory import BoundedMemory
from channels.inbound_text import screen_text
from channels.provider_http import ProviderClient
from channels.reply_texts import load_reply_texts
from channels.sender_gate import SenderGate
from channels.unavailable import unavailable_reply
from channels.webhook_payload import DirectReply
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
    """A channel's configuration: where its provider's API is, and whether it can run."""

    @property
    def api_base_url(self) -> str: ...

    def problem(self) -> str | None:
        """Why the channel cannot run (missing variable...), or None."""


class ProviderApi(Protocol):
    """The provider's API client; its HTTP session is closed when the server stops."""

    @property
    def client(self) -> ProviderClient: ...


class CountingOutput(Protocol):
    """An output channel bound to one person that counts what it sent.

    ``failed`` is set by the first send that fails; later sends of the turn are skipped and
    counted in ``skipped`` rather than each waiting for its own timeout.
    """

    sent: int
    failed: bool
    skipped: int

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None: ...


class InboundMessage(Protocol):
    """One verified message to answer, as ``parse`` makes it."""

    @property
    def message_id(self) -> Hashable | None:
        """The provider's id for this delivery (a retried one repeats it), or None if it has none."""

    @property
    def sender(self) -> str:
        """The conversation id Rasa sees (never a phone number)."""


SettingsT = TypeVar("SettingsT", bound=ProviderSettings)
ApiT = TypeVar("ApiT", bound=ProviderApi)
RequestT = TypeVar("RequestT")
InboundT = TypeVar("InboundT", bound=InboundMessage)
BodyT = TypeVar("BodyT")


@dataclass(frozen=True)
class EarlyAnswer(Generic[BodyT]):
    """``parse``'s answer to a verified request that has nothing to hand to Rasa (malformed, ignored)."""

    status: int
    body: BodyT


@dataclass(frozen=True)
class WebhookAnswers(Generic[BodyT]):
    """The bodies of the webhook answers ``accept`` gives itself, in the provider's format."""

    disabled: BodyT  # 503: the channel's variables are not set
    forbidden: BodyT  # 403: signature or secret missing or wrong
    duplicate: BodyT  # 200: a delivery already accepted, retried by the provider
    busy: BodyT  # 503: too many messages pending; the provider retries later
    accepted: BodyT  # 200: handed to a background task


class ProviderInputChannel(InputChannel, ABC, Generic[SettingsT, ApiT, RequestT, InboundT, BodyT]):
    """A messaging provider's webhook: verified requests in, replies out through ``api`` in the background.

    Type parameters: the channel's settings and API client, what ``verify`` hands to ``parse``, the
    message ``parse`` makes, and the type of a webhook answer's body (JSON dict, TwiML text...).
    """

    # The header that carries the provider's signature or secret.
    credential_header: ClassVar[str]
    # What the 403 log line says was refused, e.g. "an update without a valid secret token".
    unverified_request: ClassVar[str]
    # The background task's name before " for <sender>" in logs, e.g. "update" (never message text).
    task_label: ClassVar[str]

    def __init__(self, settings: SettingsT, api: ApiT, answers: WebhookAnswers[BodyT]) -> None:
        # The replies sent without the model come from the knowledge file: a broken file stops the
        # server here, at start-up, naming the entry and field, not at a patient's first message.
        load_reply_texts()
        self.settings = settings
        self.disabled_because = settings.problem()
        self.api = api
        self.answers = answers
        self.tasks = BackgroundTasks(self.name())
        # Providers retry webhooks they think failed; a repeated id is answered but not handled twice.
        self.seen_ids: BoundedMemory[Any, bool] = BoundedMemory(max_entries=SEEN_IDS_KEPT, ttl_s=SEEN_IDS_TTL_S)
        self.gate = SenderGate(MAX_IN_FLIGHT_PER_PERSON)
        if self.disabled_because:
            logger.warning("%s channel disabled: %s (webhook answers 503)", self.name(), self.disabled_because)
        else:
            logger.info("%s channel enabled, sending to %s", self.name(), settings.api_base_url)

    # What a channel supplies.

    @abstractmethod
    def verify(self, credential: str | None, raw_body: bytes | None) -> RequestT | None:
        """The request, if ``credential`` (the ``credential_header`` value) proves it came from the provider.

        ``None`` refuses it (403). Nothing in the body may be acted on before this returns.
        """

    @abstractmethod
    def parse(self, request: RequestT) -> InboundT | EarlyAnswer[BodyT]:
        """The verified request as one message to answer, or the webhook's answer when there is none."""

    @abstractmethod
    def output_for(self, inbound: InboundT) -> CountingOutput:
        """A fresh output channel that sends this turn's replies to the message's sender."""

    @abstractmethod
    def incoming_text(self, inbound: InboundT) -> str | DirectReply | None:
        """What the person wrote (``None`` for a photo, sticker...), or a reply that skips the model.

        Runs in the background task before the person's place in line is taken, so it must not await.
        """

    @abstractmethod
    def http_answer(self, status: int, body: BodyT) -> HTTPResponse:
        """The HTTP response for ``accept``'s answer, in the form the provider expects."""

    # The shared steps.

    def respond(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        """The webhook's HTTP answer; verified messages are handed to ``self.tasks``."""
        status, body = self.accept(request.headers.get(self.credential_header), request.body, on_new_message)
        return self.http_answer(status, body)

    def accept(self, credential: str | None, raw_body: bytes | None, on_new_message: OnNewMessage) -> tuple[int, BodyT]:
        """Decide the webhook's answer; a verified message is handed to a background task.

        Must run inside the server's event loop. In order: off (503), unverified (403), the
        provider's own checks (``parse``), a retried delivery (200, not handled twice), too much
        pending work (503), then the message is handled in the background and 200 answered at once.
        """
        if self.disabled_because:
            return 503, self.answers.disabled
        request = self.verify(credential, raw_body)
        if request is None:
            logger.warning("%s: refused %s (403)", self.name(), self.unverified_request)
            return 403, self.answers.forbidden
        inbound = self.parse(request)
        if isinstance(inbound, EarlyAnswer):
            return inbound.status, inbound.body
        if inbound.message_id is not None and self.seen_ids.seen_before(inbound.message_id):
            return 200, self.answers.duplicate
        if not self.tasks.has_room():
            logger.error("%s: %d messages pending, refusing more for now (503)", self.name(), self.tasks.pending)
            return 503, self.answers.busy
        self.tasks.spawn(self.handle(inbound, on_new_message), f"{self.task_label} for {inbound.sender}")
        return 200, self.answers.accepted

    async def handle(self, inbound: InboundT, on_new_message: OnNewMessage) -> None:
        """Run the message through Rasa and send the replies (in the background).

        A missing, empty, over-long or command message gets a direct reply without the model.
        """
        sender = inbound.sender
        output = self.output_for(inbound)
        text = self.incoming_text(inbound)
        screened = text if isinstance(text, DirectReply) else screen_text(sender, text)
        if isinstance(screened, DirectReply):
            await output.send_text_message(sender, screened.text)
        else:
            # No await before this call: it takes this person's place in line now,
            # so two messages from one person are answered in the order they came.
            await self.run_turn(screened.text, output, sender, on_new_message)
        if output.skipped:
            logger.error(
                "%s: skipped %d further replies to %s after a failed send", self.name(), output.skipped, sender
            )

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
