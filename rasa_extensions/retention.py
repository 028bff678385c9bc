"""The ``TRACKER_RETENTION_DAYS`` setting, read without importing Rasa.

Why a module of its own: the launcher checks the value before it starts any
server (a typo should stop ``make run`` with one clear line, not a Rasa
traceback 10 s later), and the tracker store reads it the same way.
"""

from __future__ import annotations

import math
from typing import Any

SECONDS_PER_DAY = 86_400


class BadRetentionError(ValueError):
    """``retention_days`` is not a number of days >= 0; the message names the setting."""


def retention_seconds(value: Any) -> float:
    """``retention_days`` (a string after endpoints.yml's variable substitution) in seconds; 0 keeps everything."""
    try:
        days = float(value)
    except (TypeError, ValueError):
        days = math.nan
    if not 0 <= days < math.inf:
        raise BadRetentionError(
            "TRACKER_RETENTION_DAYS (tracker_store.retention_days in endpoints.yml) must be a number of days >= 0 "
            f"(0 keeps conversations forever), got {value!r}."
        )
    return days * SECONDS_PER_DAY
