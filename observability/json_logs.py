"""One JSON object per log line when ``LOG_FORMAT=json`` (for a log shipper: Loki, Elasticsearch, CloudWatch).

Rasa, rasa-sdk and Sanic set up their handlers while they start; ``use_json_formatter``
runs as the server's ``before_server_start`` listener, after all of that, and gives
every handler of the root and of each named logger the JSON formatter. The text of
a message is never added by this module: what each logger writes stays the same
(the REST channel never logs message text), only the framing changes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import Mapping
from typing import Any

FORMAT_VARIABLE = "LOG_FORMAT"


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message"}`` plus ``exception`` when there is one, on one line."""

    converter = time.gmtime  # UTC, as the "Z" says

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def wanted(environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``LOG_FORMAT`` asks for JSON (anything else, or unset, keeps the usual text lines)."""
    return (environ if environ is not None else os.environ).get(FORMAT_VARIABLE, "").strip().lower() == "json"


def all_handlers() -> list[logging.Handler]:
    loggers = [logging.getLogger(), *(item for item in logging.Logger.manager.loggerDict.values())]
    handlers: list[logging.Handler] = []
    for logger in loggers:
        for handler in getattr(logger, "handlers", []):
            if handler not in handlers:
                handlers.append(handler)
    return handlers


def use_json_formatter(*_: Any) -> int:
    """Give every configured handler the JSON formatter; how many. Signature fits a Sanic listener."""
    formatter = JsonFormatter()
    handlers = all_handlers()
    for handler in handlers:
        handler.setFormatter(formatter)
    return len(handlers)


def json_logs_listener(app: Any, loop: asyncio.AbstractEventLoop) -> None:
    """Sanic ``before_server_start`` listener: switch to JSON logs once the server's loggers exist."""
    use_json_formatter()
