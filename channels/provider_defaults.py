"""Where each messaging provider's API is and how long to wait for it, unless credentials.yml says otherwise.

One place for these, read by the channels, ``channels.telegram_setup`` and the launcher's
environment defaults, so a changed address or timeout cannot differ between them.
"""

from __future__ import annotations

from dataclasses import dataclass

# How long one call to a provider's API may take before the send counts as failed. Short: the person's
# conversation lock is held while a reply goes out.
DEFAULT_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class ProviderDefaults:
    """A provider's public API address and the timeout for one call to it."""

    api_base_url: str
    timeout_s: float = DEFAULT_TIMEOUT_S


TELEGRAM = ProviderDefaults(api_base_url="https://api.telegram.org")
TWILIO = ProviderDefaults(api_base_url="https://api.twilio.com")
