"""The widget channel's file serving and the launcher's CORS default, without a server."""

from __future__ import annotations

import pytest

from channels.web_widget import ASSETS, WIDGET_DIR, WebWidgetInput, asset_response, load_assets
from service.launcher import cors_origins


def test_every_listed_asset_exists_and_is_loaded() -> None:
    loaded = load_assets()
    assert set(loaded) == set(ASSETS)
    assert all(item.body for item in loaded.values())
    assert WebWidgetInput.name() == "widget"


def test_missing_asset_stops_start_up(tmp_path) -> None:
    (tmp_path / "widget.js").write_text("// only the script")
    with pytest.raises(FileNotFoundError):
        load_assets(tmp_path)


def test_asset_response_headers_and_revalidation() -> None:
    script = load_assets(WIDGET_DIR)["widget.js"]
    fresh = asset_response(script, None)
    assert fresh.status == 200
    assert fresh.content_type.startswith("application/javascript")
    assert fresh.headers["X-Content-Type-Options"] == "nosniff"
    assert fresh.headers["Cache-Control"] == "public, max-age=300"
    assert asset_response(script, f'"other", {script.etag}').status == 304
    assert asset_response(script, '"other"').status == 200


def test_demo_page_is_not_cached_and_locked_to_its_own_origin() -> None:
    demo = asset_response(load_assets()["demo"], None)
    assert demo.headers["Cache-Control"] == "no-cache"
    assert "default-src 'none'" in demo.headers["Content-Security-Policy"]
    assert "connect-src 'self'" in demo.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("configured", "expected"),
    [
        (None, None),
        ("  ", None),
        ("", None),
        ("https://clinic.example", "https://clinic.example"),
        (" https://a.example   https://b.example ", "https://a.example https://b.example"),
    ],
)
def test_cors_only_for_configured_origins_even_on_localhost(configured, expected) -> None:
    """No wildcard: with credentials allowed, `*` on 127.0.0.1 (also a proxied production server) let any site in."""
    assert cors_origins(configured) == expected
