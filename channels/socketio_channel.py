"""Rasa's socket.io channel, fixed and guarded, so Rasa's standard web widgets (``rasa-webchat``) connect.

Same channel name (``socketio``), URL (``/socket.io``), events and message format as Rasa's stock
``SocketIOInput``, which this subclasses and configures the same way. Its ``blueprint`` is written anew because:

- **RasaHQ/rasa#13027.** Stock Rasa 3.6 calls ``sio.enter_room(...)`` without ``await``. Since python-socketio
  5.10 ``AsyncServer.enter_room`` is a coroutine, so with ``session_persistence: true`` the socket never joins
  its conversation's room and every answer, emitted to that room, reaches nobody (a ``RuntimeWarning: coroutine
  ... was never awaited`` is all the log shows). Pinning python-socketio 5.9 would make the stock code work but
  give up two years of fixes of the library that faces the internet (docs/widget.md); here the call is awaited.
- **Origins.** Stock Rasa builds its server with ``cors_allowed_origins=[]``, which turns Engine.IO's origin
  check off: any website could open a WebSocket (browsers apply no CORS to WebSockets) and chat as its
  visitors. Here a browser may connect only from the origins in ``RASA_CORS_ORIGINS`` (the list the REST
  webhook's CORS uses; ``service/launcher.py`` passes the same value to both) or from the server's own origin.
- **Whose conversation.** Stock Rasa takes the conversation id from each message's ``session_id``, any string:
  a socket could write into, and listen to, any conversation, a Telegram user's (``telegram-<chat id>``)
  included. Here the server gives each session a random 128-bit id (32 hex digits), a socket's messages always
  go to the session it was confirmed (whatever ``session_id`` they carry), and the tracker knows it as
  ``socketio-<id>``, a prefix no other channel may use (channels/sender_ids.py). Holding the id is what
  resumes a conversation after a reload, as with Rasa's session persistence.
- **The REST webhook's rules.** Empty, over-long and command messages get the same polite replies without
  reaching the model (channels/webhook_payload.py); a conversation's messages are answered one at a time and a
  burst is refused (channels/sender_gate.py); "please send it again" (and not the answer) when the turn was not
  stored, "temporarily unavailable" when it produced no answer, and a short apology when it failed. Message text
  is never logged, and ``metadata`` from the client is not passed on (the REST webhook takes none either).
- **Buttons where rasa-webchat shows them.** It shows quick replies only under the last message, so a turn's
  buttons move onto its last message when that is plain text (``buttons_on_last``): an FAQ answer's follow-ups
  otherwise vanished behind the disclaimer that follows it.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import rasa.core.channels.channel
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from channels.guarded_rest import BUSY_REPLY, FAILURE_REPLY
from channels.inbound_text import screen_text
from channels.sender_gate import SenderGate
from channels.sender_ids import SOCKETIO_PREFIX
from channels.unavailable import unavailable_reply
from channels.webhook_payload import DirectReply
from rasa_extensions.save_watch import NOT_STORED_REPLY, watch_saves

logger = logging.getLogger(__name__)

# What the server hands out as a session id (uuid4().hex has this shape too, so ids stock Rasa
# issued before still resume); anything else a client asks for gets a new id.
_SESSION_ID = re.compile(r"[0-9a-f]{32}")
# Engine.IO's limit on one incoming message (its default is 1 MB). A question is at most
# MAX_MESSAGE_CHARS (2000) characters; 32 KB leaves room for escaping and the event's other fields,
# and longer messages still get the polite "too long" reply below this limit.
MAX_PACKET_BYTES = 32_000


def new_session_id() -> str:
    return secrets.token_hex(16)


def valid_session_id(value: object) -> bool:
    return isinstance(value, str) and _SESSION_ID.fullmatch(value) is not None


def sender_id(session_id: str) -> str:
    """The tracker's conversation id for a socket.io session."""
    return f"{SOCKETIO_PREFIX}{session_id}"


def parse_origins(configured: str | Iterable[str] | None) -> frozenset[str]:
    """``RASA_CORS_ORIGINS`` (space-separated) or a YAML list, as a set; ``*`` is refused like everywhere else."""
    if configured is None:
        return frozenset()
    items = configured.split() if isinstance(configured, str) else [str(item) for item in configured]
    origins = frozenset(item.strip().rstrip("/") for item in items if item.strip())
    if "*" in origins:
        raise ValueError("socketio: '*' is not an allowed origin; name the clinic's sites (docs/widget.md)")
    return origins


def same_host(origin: str, host: str | None) -> bool:
    """Whether ``origin`` (``scheme://host[:port]``) names the host the request was sent to (a page of this server)."""
    return host is not None and bool(host) and urlsplit(origin).netloc.casefold() == host.casefold()


class OriginCheckedSocketBlueprint(SocketBlueprint):
    """Rasa's socket.io blueprint, refusing with 403 a browser on any other site than the allowed ones.

    The check is a Sanic request middleware on the socket.io path, so it covers both transports before
    Engine.IO sees the request: long-polling (where browsers apply CORS, but only to reading the answer) and
    the WebSocket upgrade (where they apply none). Engine.IO's own check stays off as in stock Rasa
    (``cors_allowed_origins=[]``): it would add a second ``Access-Control-Allow-Origin`` header next to
    Sanic-CORS's, which browsers refuse, and its same-origin default needs ``wsgi.url_scheme``, which its Sanic
    driver never sets. Requests without an ``Origin`` (non-browser clients) pass, as for the REST webhook.
    """

    def __init__(self, sio: AsyncServer, socketio_path: str, allowed_origins: frozenset[str], *args: Any,
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(sio, socketio_path, *args, **kwargs)
        self.ctx.allowed_origins = allowed_origins

    def origin_allowed(self, origin: str | None, host: str | None) -> bool:
        return not origin or origin.rstrip("/") in self.ctx.allowed_origins or same_host(origin, host)

    def register(self, app: Sanic, options: dict[str, Any]) -> None:
        prefix = "/" + self.ctx.socketio_path.strip("/")

        async def refuse_other_origins(request: Request) -> HTTPResponse | None:
            if request.path != prefix and not request.path.startswith(prefix + "/"):
                return None
            origin = request.headers.get("origin")
            if self.origin_allowed(origin, request.headers.get("host")):
                return None
            logger.warning(
                "socketio: refused a connection from origin %s (not in RASA_CORS_ORIGINS)", (origin or "")[:100]
            )
            return response.json({"error": "This origin may not connect."}, status=403)

        app.register_middleware(refuse_other_origins, "request")
        super().register(app, options)


_BUTTON_KEYS = ("buttons", "quick_replies")
_NON_TEXT_KEYS = ("custom", "image", "attachment", "elements")


def buttons_on_last(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A turn's messages with the last buttons moved onto the last message, when that is plain text.

    Why: rasa-webchat shows quick replies only under the conversation's last message, and an FAQ answer's
    follow-up topics and rating buttons are followed by the disclaimer (the first answer of a conversation),
    so they never showed. The project's own widget and the messaging channels show them wherever they are.
    """
    moved = [dict(message) for message in messages]
    with_buttons = [index for index, message in enumerate(moved) if any(message.get(key) for key in _BUTTON_KEYS)]
    if not with_buttons or with_buttons[-1] == len(moved) - 1:
        return moved
    last = moved[-1]
    if not last.get("text") or any(last.get(key) for key in _NON_TEXT_KEYS):
        return moved
    source = moved[with_buttons[-1]]
    for key in _BUTTON_KEYS:
        if source.get(key):
            last[key] = source.pop(key)
    return moved


class TurnSocketIOOutput(SocketIOOutput):
    """Rasa's socket.io output for one turn: holds the bot's messages and sends them when the turn is over.

    Holding them lets the channel send nothing but "please send it again" for a turn that was not stored (as the
    REST webhook answers 503 without the answer), and put the buttons where rasa-webchat shows them.
    """

    def __init__(self, sio: AsyncServer, bot_message_evt: str) -> None:
        super().__init__(sio, bot_message_evt)
        self.pending: list[tuple[str, dict[str, Any]]] = []

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        self.pending.append((recipient_id, dict(message)))

    async def flush(self) -> None:
        held, self.pending = self.pending, []
        recipients = {recipient for recipient, _ in held}
        if len(recipients) == 1:
            held = [(held[0][0], message) for message in buttons_on_last([message for _, message in held])]
        for recipient, message in held:
            await super().send_response(recipient, message)


class GuardedSocketIOInput(SocketIOInput):
    """Rasa's ``socketio`` channel with RasaHQ/rasa#13027 fixed, origins checked and sessions bound to sockets."""

    def __init__(
        self,
        user_message_evt: str = "user_uttered",
        bot_message_evt: str = "bot_uttered",
        namespace: str | None = None,
        session_persistence: bool = False,
        socketio_path: str | None = "/socket.io",
        jwt_key: str | None = None,
        jwt_method: str | None = "HS256",
        metadata_key: str | None = "metadata",
        cors_allowed_origins: str | Iterable[str] | None = None,
    ) -> None:
        super().__init__(
            user_message_evt, bot_message_evt, namespace, session_persistence, socketio_path,
            jwt_key, jwt_method, metadata_key,
        )  # fmt: skip
        self.allowed_origins = parse_origins(cors_allowed_origins)
        self.gate = SenderGate()
        self.unavailable = unavailable_reply()
        # socket id -> the session id it was confirmed; a plain dict so a message is admitted to its
        # conversation's line before any await (in arrival order).
        self.sessions: dict[str, str] = {}

    @classmethod
    def name(cls) -> str:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> GuardedSocketIOInput:
        credentials = credentials or {}
        return cls(
            credentials.get("user_message_evt", "user_uttered"),
            credentials.get("bot_message_evt", "bot_uttered"),
            credentials.get("namespace"),
            bool(credentials.get("session_persistence", False)),
            credentials.get("socketio_path", "/socket.io"),
            credentials.get("jwt_key") or None,
            credentials.get("jwt_method", "HS256"),
            credentials.get("metadata_key", "metadata"),
            credentials.get("cors_allowed_origins"),
        )

    def authorised(self, auth: Any) -> bool:
        """Stock Rasa's rule: with a ``jwt_key``, a connection needs a valid ``auth.token``."""
        if not self.jwt_key:
            return True
        token = auth.get("token") if isinstance(auth, dict) else None
        if not token:
            return False
        try:
            payload = rasa.core.channels.channel.decode_bearer_token(token, self.jwt_key, self.jwt_algorithm)
        except Exception:
            return False
        return bool(payload)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The socket.io server under ``socketio_path`` and a health route under ``/webhooks/socketio/``."""
        # CORS headers come from Sanic-CORS (Rasa's --cors, the same origins); see OriginCheckedSocketBlueprint.
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[], max_http_buffer_size=MAX_PACKET_BYTES)
        socketio_webhook = OriginCheckedSocketBlueprint(
            sio, self.socketio_path or "/socket.io", self.allowed_origins, f"socketio_{type(self).__name__}", __name__
        )
        self.sio = sio  # get_output_channel (external events) uses it, as in stock Rasa
        namespace = self.namespace

        @socketio_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        async def emit_text(room: str, text: str) -> None:
            await sio.emit(self.bot_message_evt, {"text": text}, room=room, namespace=namespace)

        async def bind(sid: str, session_id: str) -> None:
            previous = self.sessions.get(sid)
            if previous == session_id:
                return
            if previous is not None:
                await sio.leave_room(sid, sender_id(previous), namespace=namespace)
            self.sessions[sid] = session_id
            await sio.enter_room(sid, sender_id(session_id), namespace=namespace)  # the await #13027 lacks

        @sio.on("connect", namespace=namespace)
        async def connect(sid: str, environ: dict, auth: Any = None) -> bool:
            if not self.authorised(auth):
                logger.info("socketio: refused a connection without a valid token")
                return False
            if not self.session_persistence:
                await bind(sid, new_session_id())  # stock Rasa: one conversation per socket, no session_request needed
            logger.debug("socketio: %s connected", sid)
            return True

        @sio.on("disconnect", namespace=namespace)
        async def disconnect(sid: str, *reason: Any) -> None:
            self.sessions.pop(sid, None)
            logger.debug("socketio: %s disconnected", sid)

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: str, data: Any = None) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            # Without persistence every connection is a new conversation, as in stock Rasa.
            resumes = self.session_persistence and valid_session_id(requested)
            session_id = str(requested) if resumes else new_session_id()
            await bind(sid, session_id)
            await sio.emit("session_confirm", session_id, room=sid, namespace=namespace)
            logger.debug("socketio: %s confirmed as %s", sid, sender_id(session_id))

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: str, data: Any = None) -> None:
            # Nothing is awaited before the message has its place in the conversation's line (arrival order).
            session_id = self.sessions.get(sid)
            claimed = data.get("session_id") if isinstance(data, dict) else None
            if session_id is None:
                logger.warning("socketio: %s sent a message before session_request; ignored", sid)
                return
            if claimed is not None and claimed != session_id:
                logger.warning("socketio: %s sent a message for a session it was not confirmed; ignored", sid)
                return
            sender = sender_id(session_id)
            text = data.get("message") if isinstance(data, dict) else None
            screened = screen_text(sender, text if isinstance(text, str) else None)
            if isinstance(screened, DirectReply):
                await emit_text(sender, screened.text)
                return
            ticket = self.gate.admit(sender)
            if ticket is None:
                logger.warning("socketio: %s has %d messages in flight, refused one more", sender,
                               self.gate.max_in_flight)  # fmt: skip
                await emit_text(sender, BUSY_REPLY)
                return
            output = TurnSocketIOOutput(sio, self.bot_message_evt)
            async with ticket:  # the turn's replies are sent before the conversation's next message is handled
                try:
                    with watch_saves() as saves:
                        await on_new_message(UserMessage(screened.text, output, sender, input_channel=self.name()))
                except Exception:
                    logger.exception("socketio: failed to handle a message of %s (text not logged)", sender)
                    await emit_text(sender, FAILURE_REPLY)
                    return
                if saves.failed:
                    # The answer is dropped too, as over REST: the visitor sends again and the stored
                    # conversation stays consistent.
                    logger.error("socketio: conversation %s not stored: %s", sender, saves.failures[-1][1])
                    await emit_text(sender, NOT_STORED_REPLY)
                elif not output.pending:
                    logger.error(
                        "socketio: no answer for %s (action server down?); sent 'temporarily unavailable'", sender
                    )
                    await emit_text(sender, self.unavailable)
                else:
                    await output.flush()

        return socketio_webhook
