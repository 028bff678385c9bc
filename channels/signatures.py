"""Verify that a webhook request really comes from Telegram or Twilio.

Pure functions, so good, bad and missing signatures are tested without a server.
Both checks use constant-time comparison; an empty configured secret never
verifies anything (a channel without a secret is disabled, not open).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit, urlunsplit

TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
TWILIO_SIGNATURE_HEADER = "X-Twilio-Signature"
_DEFAULT_PORTS = {"https": 443, "http": 80}


def telegram_secret_ok(configured_secret: str, header_value: str | None) -> bool:
    """True when the header Telegram sends equals the ``secret_token`` given to setWebhook."""
    if not configured_secret or header_value is None:
        return False
    return hmac.compare_digest(configured_secret.encode(), header_value.encode())


def twilio_signature(auth_token: str, url: str, params: Mapping[str, Sequence[str]]) -> str:
    """Twilio's request signature: base64(HMAC-SHA1(auth token, URL + each name and value, sorted by name)).

    Follows twilio.request_validator.RequestValidator.compute_signature (values of a
    repeated parameter sorted and de-duplicated); tests check the two agree.
    """
    signed = url + "".join(name + value for name in sorted(params) for value in sorted(set(params[name])))
    digest = hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def twilio_signature_ok(
    auth_token: str, public_url: str, params: Mapping[str, Sequence[str]], header_value: str | None
) -> bool:
    """True when ``X-Twilio-Signature`` matches the public webhook URL and the form parameters.

    Twilio signs the URL it was configured with, which behind a reverse proxy is
    not the URL this server sees, so ``public_url`` comes from configuration.
    Like Twilio's own validator, the URL is accepted with and without its default port.
    """
    if not auth_token or not public_url or not header_value:
        return False
    given = header_value.encode()
    return any(
        hmac.compare_digest(twilio_signature(auth_token, url, params).encode(), given)
        for url in _with_and_without_default_port(public_url)
    )


def _with_and_without_default_port(url: str) -> list[str]:
    """``url`` without and with its scheme's default port; any other port is kept as given."""
    parts = urlsplit(url)
    default_port = _DEFAULT_PORTS.get(parts.scheme)
    if default_port is None or (parts.port is not None and parts.port != default_port):
        return [url]
    host_port = parts.netloc.rpartition("@")[2]
    userinfo = parts.netloc[: len(parts.netloc) - len(host_port)]
    host = host_port.rsplit(":", 1)[0] if parts.port is not None else host_port
    return [
        urlunsplit(parts._replace(netloc=f"{userinfo}{host}")),
        urlunsplit(parts._replace(netloc=f"{userinfo}{host}:{default_port}")),
    ]
