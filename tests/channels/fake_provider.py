"""A fake Telegram Bot API and Twilio Messages API on 127.0.0.1 that records what the bot sends.

A real HTTP server (aiohttp, in its own thread and event loop), so the
channels are exercised through their actual HTTP client. It answers like the
real APIs, including their refusals the bot must never trigger: Telegram
rejects HTML it cannot parse and callback_data over 64 bytes, Twilio rejects
bodies over 1600 characters and wrong credentials. It can be told to fail
(HTTP 500) or to be slow for one chat or recipient.
"""

from __future__ import annotations

import asyncio
import base64
import html.parser
import itertools
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TELEGRAM_HTML_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "span"}
_TELEGRAM_PATH = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>[A-Za-z]+)$")
_TWILIO_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>[^/]+)/Messages\.json$")


@dataclass(frozen=True)
class Recorded:
    """One request the bot made."""

    provider: str  # "telegram" or "twilio"
    method: str  # Bot API method, or "Messages" for Twilio
    recipient: str  # Telegram chat_id (callback_query_id for answerCallbackQuery) or Twilio "To"
    body: dict[str, Any]
    auth: tuple[str, str] | None
    status: int  # what the fake answered
    at: float = field(default_factory=time.monotonic)

    @property
    def text(self) -> str:
        return str(self.body.get("text") or self.body.get("Body") or "")


class _TelegramHtmlCheck(html.parser.HTMLParser):
    """Refuses what Telegram refuses: unknown tags, unbalanced tags, attributes other than href."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.error: str | None = None
        self.visible: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TELEGRAM_HTML_TAGS or any(name != "href" for name, _ in attrs):
            self.error = self.error or f'Unsupported start tag "{tag}"'
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.error = self.error or f'Unexpected end tag "{tag}"'

    def handle_data(self, data: str) -> None:
        self.visible.append(data)


def telegram_html_error(text: str) -> str | None:
    """Why Telegram would refuse ``text`` in HTML parse mode, or ``None``."""
    if re.search(r"&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)", text):
        return "Unsupported entity"
    check = _TelegramHtmlCheck()
    check.feed(text)
    check.close()
    if check.error or check.stack:
        return check.error or f'Can\'t find end tag corresponding to start tag "{check.stack[-1]}"'
    if len("".join(check.visible)) > 4096:
        return "message is too long"
    return None


class FakeProvider:
    """Both fake APIs behind one base URL; read what was sent with ``sent`` and ``wait_for``."""

    def __init__(self, telegram_token: str, twilio_sid: str, twilio_token: str) -> None:
        self.telegram_token = telegram_token
        self.twilio_auth = (twilio_sid, twilio_token)
        self.base_url = ""
        self._records: list[Recorded] = []
        self._failing: set[str] = set()
        self._slow: dict[str, float] = {}
        self._changed = threading.Condition()
        self._ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    # ---- behaviour -------------------------------------------------------
    def fail_for(self, recipient: str) -> None:
        with self._changed:
            self._failing.add(str(recipient))

    def slow_for(self, recipient: str, seconds: float) -> None:
        with self._changed:
            self._slow[str(recipient)] = seconds

    def heal(self, recipient: str) -> None:
        with self._changed:
            self._failing.discard(str(recipient))
            self._slow.pop(str(recipient), None)

    # ---- what was sent ---------------------------------------------------
    def sent(self, recipient: str | None = None, method: str | None = None) -> list[Recorded]:
        with self._changed:
            records = list(self._records)
        if recipient is not None:
            records = [record for record in records if record.recipient == str(recipient)]
        return [record for record in records if method is None or record.method == method]

    def wait_for(
        self, recipient: str, count: int, method: str, since: int = 0, timeout: float = 30.0
    ) -> list[Recorded]:
        """The first ``count`` requests of ``method`` to ``recipient`` after the first ``since`` ones."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                matching = [r for r in self._records if r.recipient == str(recipient) and r.method == method][since:]
                if len(matching) >= count:
                    return matching[:count]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"{len(matching)} of {count} {method} requests to {recipient} arrived")
                self._changed.wait(remaining)

    # ---- server ----------------------------------------------------------
    def start(self) -> FakeProvider:
        started = threading.Event()
        self._loop = asyncio.new_event_loop()
        runner = web.AppRunner(self._application())

        def serve() -> None:
            assert self._loop is not None
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(runner.setup())
            self._loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", 0).start())
            host, port = runner.addresses[0][:2]
            self.base_url = f"http://{host}:{port}"
            started.set()
            self._loop.run_forever()
            self._loop.run_until_complete(runner.cleanup())
            self._loop.close()

        self._thread = threading.Thread(target=serve, name="fake-provider", daemon=True)
        self._thread.start()
        if not started.wait(10):
            raise RuntimeError("fake provider did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def __enter__(self) -> FakeProvider:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _application(self) -> web.Application:
        app = web.Application()
        app.router.add_route("POST", "/{tail:.*}", self._dispatch)
        return app

    async def _dispatch(self, request: web.Request) -> web.Response:
        if match := _TELEGRAM_PATH.match(request.path):
            return await self._telegram(request, match["token"], match["method"])
        if match := _TWILIO_PATH.match(request.path):
            return await self._twilio(request, match["sid"])
        return web.json_response({"error": "not found"}, status=404)

    async def _behave(self, recipient: str) -> bool:
        """Apply slowness; True if this recipient's requests should fail."""
        with self._changed:
            delay, failing = self._slow.get(recipient, 0.0), recipient in self._failing
        if delay:
            await asyncio.sleep(delay)
        return failing

    def _record(self, record: Recorded) -> None:
        with self._changed:
            self._records.append(record)
            self._changed.notify_all()

    async def _telegram(self, request: web.Request, token: str, method: str) -> web.Response:
        body = await request.json() if request.can_read_body else {}
        recipient = str(body.get("chat_id") or body.get("callback_query_id") or "")
        if token != self.telegram_token:
            return _telegram_refusal(401, "Unauthorized")
        failing = await self._behave(recipient)
        status, answer = (500, None) if failing else self._telegram_result(method, body)
        self._record(Recorded("telegram", method, recipient, body, None, status))
        if answer is None:
            return _telegram_refusal(500, "Internal Server Error")
        return web.json_response(answer, status=status)

    def _telegram_result(self, method: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method == "sendMessage":
            if not body.get("chat_id") or not body.get("text"):
                return 400, _telegram_error_body(400, "Bad Request: message text is empty")
            if body.get("parse_mode") == "HTML" and (problem := telegram_html_error(body["text"])):
                return 400, _telegram_error_body(400, f"Bad Request: can't parse entities: {problem}")
            for row in (body.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if not 1 <= len(str(button.get("callback_data", "")).encode()) <= 64:
                        return 400, _telegram_error_body(400, "Bad Request: BUTTON_DATA_INVALID")
            message = {"message_id": next(self._ids), "chat": {"id": body["chat_id"]}, "date": int(time.time())}
            return 200, {"ok": True, "result": message}
        if method == "answerCallbackQuery":
            if not body.get("callback_query_id"):
                return 400, _telegram_error_body(400, "Bad Request: query is too old")
            return 200, {"ok": True, "result": True}
        if method in ("setWebhook", "deleteWebhook"):
            return 200, {"ok": True, "result": True, "description": "Webhook was set"}
        if method == "getWebhookInfo":
            return 200, {"ok": True, "result": {"url": "", "pending_update_count": 0}}
        return 404, _telegram_error_body(404, "Not Found")

    async def _twilio(self, request: web.Request, sid: str) -> web.Response:
        form = {key: value for key, value in (await request.post()).items()}
        recipient = str(form.get("To", ""))
        auth = _basic_auth(request.headers.get("Authorization", ""))
        if auth != self.twilio_auth or sid != self.twilio_auth[0]:
            self._record(Recorded("twilio", "Messages", recipient, form, auth, 401))
            return web.json_response({"code": 20003, "message": "Authenticate", "status": 401}, status=401)
        failing = await self._behave(recipient)
        if failing:
            status, answer = 500, {"code": 20500, "message": "Internal Server Error", "status": 500}
        elif not form.get("From") or not recipient or not form.get("Body"):
            status, answer = 400, {"code": 21602, "message": "Message body is required.", "status": 400}
        elif len(str(form["Body"])) > 1600:
            status, answer = 400, {"code": 21617, "message": "Body exceeds 1600 characters", "status": 400}
        else:
            status = 201
            answer = {"sid": f"SM{next(self._ids):032x}", "status": "queued", "to": recipient, "from": form["From"]}
        self._record(Recorded("twilio", "Messages", recipient, form, auth, status))
        return web.json_response(answer, status=status)


def _telegram_error_body(code: int, description: str) -> dict[str, Any]:
    return {"ok": False, "error_code": code, "description": description}


def _telegram_refusal(code: int, description: str) -> web.Response:
    return web.json_response(_telegram_error_body(code, description), status=code)


def _basic_auth(header: str) -> tuple[str, str] | None:
    if not header.startswith("Basic "):
        return None
    user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    return user, password
