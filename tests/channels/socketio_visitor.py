"""A visitor on Rasa's socket.io channel, as rasa-webchat speaks it, through python-socketio's asyncio client.

connect -> ``session_request`` {session_id} -> ``session_confirm`` <id> -> ``user_uttered`` {message,
session_id} -> ``bot_uttered`` {text, quick_replies?} for each bot message.

Long-polling, not WebSocket: python-socketio's asyncio client opens WebSockets with
``aiohttp.ClientWSTimeout`` (aiohttp 3.11+), and Rasa 3.6 pins aiohttp 3.9.5. The server side has no such
dependency; browsers reach it over WebSocket in tests/browser/test_rasa_webchat.py, and
``websocket_handshake`` below checks the WebSocket upgrade itself.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import socketio
import websockets


class SocketVisitor:
    """One browser tab: one socket, the bot messages it received in order."""

    def __init__(self, server_url: str, origin: str | None = None, transports: tuple[str, ...] = ("polling",)):
        self.server_url = server_url
        self.headers = {"Origin": origin} if origin else {}
        self.transports = list(transports)
        self.client = socketio.AsyncClient(reconnection=False)
        self.received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.confirmed: asyncio.Queue[Any] = asyncio.Queue()
        self.session_id: str | None = None
        self.client.on("bot_uttered", self.received.put_nowait)
        self.client.on("session_confirm", self.confirmed.put_nowait)

    async def connect(self) -> None:
        await self.client.connect(
            self.server_url, socketio_path="/socket.io", transports=self.transports, headers=self.headers,
            wait_timeout=10,
        )  # fmt: skip

    async def request_session(self, session_id: Any = None, timeout: float = 10) -> str:
        """``session_request`` (asking to resume ``session_id``), then the id the server confirmed."""
        await self.client.emit("session_request", {"session_id": session_id})
        confirmed = await asyncio.wait_for(self.confirmed.get(), timeout)
        self.session_id = confirmed["session_id"] if isinstance(confirmed, dict) else confirmed
        return self.session_id

    async def start(self, session_id: Any = None) -> str:
        await self.connect()
        return await self.request_session(session_id)

    async def say(self, message: Any, session_id: Any = ..., **extra: Any) -> None:
        """``user_uttered`` with this tab's session id (or the one given: ``None`` leaves it out)."""
        claimed = self.session_id if session_id is ... else session_id
        data = {"message": message, **extra}
        if claimed is not None:
            data["session_id"] = claimed
        await self.client.emit("user_uttered", data)

    async def replies(self, count: int, timeout: float = 60) -> list[dict[str, Any]]:
        """The next ``count`` bot messages; fails if they do not all come within ``timeout`` seconds."""
        return [await asyncio.wait_for(self.received.get(), timeout) for _ in range(count)]

    async def replies_until_quiet(self, quiet_s: float = 1.5, timeout: float = 60) -> list[dict[str, Any]]:
        """Every bot message until none came for ``quiet_s`` seconds (at least one, within ``timeout``)."""
        messages = [await asyncio.wait_for(self.received.get(), timeout)]
        while True:
            try:
                messages.append(await asyncio.wait_for(self.received.get(), quiet_s))
            except asyncio.TimeoutError:
                return messages

    async def nothing_within(self, seconds: float) -> list[dict[str, Any]]:
        """Whatever arrived within ``seconds`` (a test asserts it is nothing)."""
        await asyncio.sleep(seconds)
        messages = []
        while not self.received.empty():
            messages.append(self.received.get_nowait())
        return messages

    async def close(self) -> None:
        """Leave at once: a graceful long-polling disconnect waits for the pending poll (up to 25 s)."""
        engine = self.client.eio
        read_loop = getattr(engine, "read_loop_task", None)
        with contextlib.suppress(Exception):
            await engine.disconnect(abort=True)  # sends Engine.IO's close packet; the server disconnects the socket
        if read_loop is not None and not read_loop.done():
            read_loop.cancel()
            with contextlib.suppress(BaseException):
                await read_loop


async def websocket_handshake(server_url: str, origin: str | None) -> int | str:
    """Open Engine.IO's WebSocket directly: its first frame (``0{...}``: open) or the HTTP status that refused it."""
    url = server_url.replace("http://", "ws://", 1) + "/socket.io/?EIO=4&transport=websocket"
    try:
        async with websockets.connect(url, origin=origin, open_timeout=10) as connection:
            return str(await asyncio.wait_for(connection.recv(), 10))
    except websockets.exceptions.InvalidStatusCode as refused:
        return refused.status_code


def texts(messages: list[dict[str, Any]]) -> list[str]:
    return [message.get("text", "") for message in messages]


def quick_reply_payloads(messages: list[dict[str, Any]]) -> list[str]:
    return [reply["payload"] for message in messages for reply in message.get("quick_replies", [])]
