"""Register the bot's webhook with Telegram: an explicit command, never part of start-up.

    python -m channels.telegram_setup            # setWebhook with the secret token
    python -m channels.telegram_setup --info     # what Telegram has registered (getWebhookInfo)

Reads TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET, TELEGRAM_WEBHOOK_URL (the
public HTTPS address of /webhooks/telegram/webhook) and TELEGRAM_API_BASE_URL.
Rasa's stock connector calls setWebhook while starting, so it cannot start
offline; here the server starts regardless and this is run once per deployment.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import Any

from channels.provider_defaults import TELEGRAM
from channels.provider_http import ProviderError
from channels.telegram_channel import TelegramBotApi, TelegramSettings

ALLOWED_UPDATES = ["message", "callback_query"]


def settings_from_environment() -> TelegramSettings:
    return TelegramSettings(
        bot_token=os.environ.get("TELEGRAM_BOT_TOKEN", "").strip(),
        webhook_secret=os.environ.get("TELEGRAM_WEBHOOK_SECRET", "").strip(),
        api_base_url=os.environ.get("TELEGRAM_API_BASE_URL", "").strip() or TELEGRAM.api_base_url,
    )


async def register(settings: TelegramSettings, webhook_url: str) -> Any:
    api = TelegramBotApi(settings)
    try:
        return await api.call(
            "setWebhook",
            {"url": webhook_url, "secret_token": settings.webhook_secret, "allowed_updates": ALLOWED_UPDATES},
        )
    finally:
        await api.client.close()


async def webhook_info(settings: TelegramSettings) -> Any:
    api = TelegramBotApi(settings)
    try:
        return await api.call("getWebhookInfo", {})
    finally:
        await api.client.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--info", action="store_true", help="show the webhook Telegram has registered")
    args = parser.parse_args(argv)
    settings = settings_from_environment()
    problem = settings.problem()
    if problem:
        print(f"Cannot talk to Telegram: {problem}.", file=sys.stderr)
        return 2
    try:
        if args.info:
            print(asyncio.run(webhook_info(settings)))
            return 0
        webhook_url = os.environ.get("TELEGRAM_WEBHOOK_URL", "").strip()
        if not webhook_url.startswith("https://"):
            print("Set TELEGRAM_WEBHOOK_URL to the public https:// URL of /webhooks/telegram/webhook.", file=sys.stderr)
            return 2
        asyncio.run(register(settings, webhook_url))
    except ProviderError as error:
        print(f"Telegram refused or did not answer: {error}", file=sys.stderr)
        return 1
    print(f"Webhook registered: {webhook_url} (updates: {', '.join(ALLOWED_UPDATES)}, secret token set)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
