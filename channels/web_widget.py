"""Serve the website chat widget (script, stylesheet, demo page) from the Rasa server itself.

The widget talks to the validated REST webhook (``/webhooks/rest/webhook``); this
channel only hands out its files, so a clinic embeds it with one ``<script>`` tag
pointing at the product and nothing is loaded from a CDN. Only the files listed in
``ASSETS`` are served: no directory listing, no path from the URL reaches the disk.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.blueprints import channel_blueprint

WIDGET_DIR = Path(__file__).resolve().parent.parent / "widget"

# The demo page may only load what the product serves; the widget itself must
# work under such a policy, so the demo doubles as a check of that.
DEMO_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


@dataclass(frozen=True)
class Asset:
    """One file the widget channel serves, read once at start-up."""

    file_name: str
    content_type: str
    max_age_s: int
    extra_headers: tuple[tuple[str, str], ...] = ()


# URL path under /webhooks/widget/ -> file. The script and stylesheet are cached
# briefly so a clinic picks up a new version within minutes.
ASSETS: dict[str, Asset] = {
    "widget.js": Asset("widget.js", "application/javascript; charset=utf-8", 300),
    "widget.css": Asset("widget.css", "text/css; charset=utf-8", 300),
    "demo.css": Asset("demo.css", "text/css; charset=utf-8", 300),
    "demo": Asset(
        "demo.html",
        "text/html; charset=utf-8",
        0,
        (("Content-Security-Policy", DEMO_CONTENT_SECURITY_POLICY), ("Referrer-Policy", "no-referrer")),
    ),
}


@dataclass(frozen=True)
class LoadedAsset:
    asset: Asset
    body: bytes
    etag: str


def load_assets(directory: Path = WIDGET_DIR) -> dict[str, LoadedAsset]:
    """Read every asset now, so a missing file stops the server at start-up, not at a visitor's first click."""
    loaded = {}
    for path, asset in ASSETS.items():
        body = (directory / asset.file_name).read_bytes()
        loaded[path] = LoadedAsset(asset, body, f'"{hashlib.sha256(body).hexdigest()[:32]}"')
    return loaded


def asset_response(loaded: LoadedAsset, if_none_match: str | None) -> HTTPResponse:
    """The file with caching and hardening headers; 304 when the browser already has this version."""
    cache = f"public, max-age={loaded.asset.max_age_s}" if loaded.asset.max_age_s else "no-cache"
    headers = {
        "ETag": loaded.etag,
        "Cache-Control": cache,
        "X-Content-Type-Options": "nosniff",
        # Clinic sites that isolate themselves (COEP) may still load the widget.
        "Cross-Origin-Resource-Policy": "cross-origin",
        **dict(loaded.asset.extra_headers),
    }
    if if_none_match and loaded.etag in {tag.strip() for tag in if_none_match.split(",")}:
        return HTTPResponse(status=304, headers=headers)
    return HTTPResponse(body=loaded.body, status=200, headers=headers, content_type=loaded.asset.content_type)


class WebWidgetInput(InputChannel):
    """Serves the chat widget's files under ``/webhooks/widget/``; messages go through the REST channel."""

    def __init__(self, assets: dict[str, LoadedAsset] | None = None) -> None:
        self.assets = assets if assets is not None else load_assets()

    @classmethod
    def name(cls) -> str:
        return "widget"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WebWidgetInput:
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """One GET route per listed asset; anything else under the prefix is Sanic's 404."""
        widget = channel_blueprint(self, "web_widget")

        @widget.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @widget.route("/<name:str>", methods=["GET"])
        async def asset(request: Request, name: str) -> HTTPResponse:
            loaded = self.assets.get(name)
            if loaded is None:
                return response.json({"error": "not found"}, status=404)
            return asset_response(loaded, request.headers.get("if-none-match"))

        return widget
