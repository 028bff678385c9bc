"""Ask the running assistant through its REST webhook, as a person on the website would.

Each message opens its own conversation (a new sender id), so one message's
topic never steers the next one's answer.
"""

from __future__ import annotations

import json
import tempfile
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from service.launcher import DEFAULT_MODEL, SQLITE_TRACKER_STORE, free_port, running_stack


def post_message(webhook_url: str, sender: str, text: str) -> list[dict[str, Any]]:
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(webhook_url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as reply:
        return json.loads(reply.read())


def webhook_replies(texts: Sequence[str], model: Path = DEFAULT_MODEL, log_dir: Path | None = None) -> list[list]:
    """The bot messages each text gets as the first message of a new conversation, from real servers.

    The servers run on free ports with a throw-away SQLite tracker store, so an
    evaluation never touches the clinic's own conversations.
    """
    senders = [f"evaluation-{index}" for index in range(len(texts))]
    with tempfile.TemporaryDirectory(prefix="eval-trackers-") as scratch:
        env = {"TRACKER_STORE_TYPE": SQLITE_TRACKER_STORE, "TRACKER_STORE_URL": f"sqlite:///{scratch}/trackers.db"}
        with (
            running_stack(model, env=env, log_dir=log_dir, rasa_port=free_port(), action_port=free_port()) as stack,
            ThreadPoolExecutor(4) as pool,
        ):
            return list(pool.map(lambda pair: post_message(stack.webhook_url, *pair), zip(senders, texts, strict=True)))
