"""A Sanic server with one socket.io channel and an echo "assistant", for channel tests that need no model.

``python -m tests.channels.socketio_harness --port P --channel guarded|stock|stock-no-persistence
[--cors ORIGIN ...]`` serves either this project's ``GuardedSocketIOInput`` or Rasa's stock ``SocketIOInput``
(with ``session_persistence: true``, or false for ``stock-no-persistence``), registered and CORS-configured
the way ``rasa run`` does it (``rasa.core.channels.channel.register``, ``rasa.server.configure_cors``).
The "assistant" answers ``echo: <text> (<sender id>)``; the text ``silence`` gets no answer,
``boom`` raises, ``slow`` takes 0.5 s, and ``answer and disclaimer`` answers twice, buttons on the first.
"""

from __future__ import annotations

import argparse
import asyncio

from rasa.core.channels.channel import UserMessage, register
from rasa.core.channels.socketio import SocketIOInput
from rasa.server import configure_cors
from sanic import Sanic, response

from channels.socketio_channel import GuardedSocketIOInput

AGAIN = {"title": "Again", "payload": "/again"}


async def echo(message: UserMessage) -> None:
    if message.text == "silence":
        return
    if message.text == "boom":
        raise RuntimeError("the assistant failed")
    if message.text == "slow":
        await asyncio.sleep(0.5)
    if message.text == "answer and disclaimer":
        await message.output_channel.send_response(message.sender_id, {"text": "answer", "buttons": [AGAIN]})
        await message.output_channel.send_response(message.sender_id, {"text": "_disclaimer_"})
        return
    await message.output_channel.send_response(
        message.sender_id,
        {"text": f"echo: {message.text} ({message.sender_id})", "buttons": [AGAIN]},
    )


class EchoAgent:
    async def handle_message(self, message: UserMessage) -> None:
        await echo(message)


def build_app(channel_kind: str, cors: list[str]) -> Sanic:
    app = Sanic(f"socketio_harness_{channel_kind.replace('-', '_')}")
    configure_cors(app, cors or None)
    settings = {"user_message_evt": "user_uttered", "bot_message_evt": "bot_uttered", "session_persistence": True}
    if channel_kind == "guarded":
        channel = GuardedSocketIOInput.from_credentials({**settings, "cors_allowed_origins": " ".join(cors)})
    else:
        channel = SocketIOInput.from_credentials({**settings, "session_persistence": channel_kind == "stock"})
    register([channel], app, route="/webhooks/")
    # register() hands every channel Rasa's handler, which calls app.ctx.agent.handle_message: here the echo.
    app.ctx.agent = EchoAgent()

    @app.get("/ready")
    async def ready(_request: object) -> response.HTTPResponse:
        return response.json({"status": "ok"})

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--channel", choices=["guarded", "stock", "stock-no-persistence"], required=True)
    parser.add_argument("--cors", nargs="*", default=[])
    args = parser.parse_args()
    app = build_app(args.channel, args.cors)
    app.run(host="127.0.0.1", port=args.port, access_log=False, workers=1)


if __name__ == "__main__":
    main()
