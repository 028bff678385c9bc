"""Accept the HTTP API token in an ``Authorization: Token <token>`` header, not only in the query string.

Rasa 3.6 reads the token only from ``?token=…``, which lands in every proxy's
and server's access log. ``install`` wraps ``rasa.core.run.configure_app`` (the
function ``rasa run`` builds its Sanic app with) so the app gets one request
middleware: a ``Token`` header fills in the ``token`` argument Rasa's own
``requires_auth`` checks, so Rasa still decides. ``Bearer`` is left to Rasa's JWT
support. A query-string token still works, and wins when both are given.
"""

from __future__ import annotations

import functools
from typing import Any

import rasa.core.run
from sanic.request import Request

SCHEME = "token"
_INSTALLED = "_header_token_installed"


async def token_from_header(request: Request) -> None:
    """Copy an ``Authorization: Token <token>`` header into ``request.args['token']`` when the query has none."""
    scheme, _, value = (request.headers.get("authorization") or "").partition(" ")
    if scheme.lower() == SCHEME and value.strip() and "token" not in request.args:
        request.args["token"] = [value.strip()]


def install() -> None:
    """Make every app ``rasa run`` configures accept the header (idempotent)."""
    original = rasa.core.run.configure_app
    if getattr(original, _INSTALLED, False):
        return

    @functools.wraps(original)
    def configure_app_accepting_the_header(*args: Any, **kwargs: Any) -> Any:
        app = original(*args, **kwargs)
        app.register_middleware(token_from_header, "request")
        return app

    setattr(configure_app_accepting_the_header, _INSTALLED, True)
    rasa.core.run.configure_app = configure_app_accepting_the_header
