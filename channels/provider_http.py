"""Outgoing HTTP to a messaging provider's API, with a short timeout and log-safe errors.

The base URL is configuration, so tests point it at a fake provider on
127.0.0.1 and nothing is contacted at start-up: the session is opened on the
first send. Errors never carry the request URL (Telegram's contains the bot
token) or the message text, so callers can log them as they are.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

import aiohttp


class ProviderError(Exception):
    """A call to the provider failed; the message is safe to log."""


def positive_float(value: object, default: float) -> float:
    """A timeout from credentials.yml (strings there), falling back to ``default`` when unusable."""
    try:
        number = float(str(value))
    except ValueError:
        return default
    return number if number > 0 else default


class ProviderClient:
    """POSTs to ``base_url`` + path; one connection pool per channel, opened lazily."""

    def __init__(
        self,
        provider: str,
        base_url: str,
        timeout_s: float,
        error_detail: Callable[[Any], str] = lambda body: "",
    ) -> None:
        self.provider = provider
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._error_detail = error_detail
        self._session: aiohttp.ClientSession | None = None

    async def post(
        self,
        path: str,
        *,
        json_body: Mapping[str, Any] | None = None,
        form: Mapping[str, str] | None = None,
        auth: aiohttp.BasicAuth | None = None,
    ) -> Any:
        """The decoded JSON answer of a 2xx reply; ``ProviderError`` for anything else."""
        session = self._open_session()
        try:
            async with session.post(f"{self.base_url}{path}", json=json_body, data=form, auth=auth) as reply:
                body = await _json_or_none(reply)
                if reply.status >= 300:
                    detail = self._error_detail(body)
                    suffix = f" ({detail})" if detail else ""
                    raise ProviderError(f"{self.provider} answered HTTP {reply.status}{suffix}")
                return body
        except asyncio.TimeoutError:
            raise ProviderError(f"{self.provider} did not answer within {self.timeout_s:g} s") from None
        except aiohttp.ClientError as error:
            raise ProviderError(f"{self.provider} unreachable ({type(error).__name__})") from None

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def _open_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout_s))
        return self._session


async def _json_or_none(reply: aiohttp.ClientResponse) -> Any:
    try:
        return await reply.json(content_type=None)
    except (ValueError, aiohttp.ContentTypeError):
        return None
