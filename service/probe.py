"""Health probe for containers: ``python -m service.probe rasa`` or ``python -m service.probe actions``.

The images have no curl, so Docker's ``HEALTHCHECK``, the compose file and the
Kubernetes readiness probe of the Rasa server call this. ``rasa`` asks
``/status`` with the API token from ``RASA_AUTH_TOKEN`` (in a header, kept out of
access logs) and is healthy only when a model is loaded; ``actions`` asks
``/health``. Exit status 0 healthy, 1 not.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping

TIMEOUT_S = 5.0


def rasa_ready(base_url: str, token: str) -> bool:
    """``GET /status`` answers 200 with a loaded model."""
    request = urllib.request.Request(f"{base_url}/status", headers={"Authorization": f"Token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as reply:
            return reply.status == 200 and bool(json.loads(reply.read()).get("model_file"))
    except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
        return False


def actions_ready(base_url: str) -> bool:
    """``GET /health`` answers 200 ``{"status": "ok"}``."""
    try:
        with urllib.request.urlopen(f"{base_url}/health", timeout=TIMEOUT_S) as reply:
            return reply.status == 200 and json.loads(reply.read()).get("status") == "ok"
    except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
        return False


def main(argv: list[str], environ: Mapping[str, str]) -> int:
    if not argv or argv[0] not in ("rasa", "actions"):
        print("usage: python -m service.probe rasa|actions", file=sys.stderr)
        return 2
    if argv[0] == "rasa":
        healthy = rasa_ready(f"http://127.0.0.1:{environ.get('RASA_PORT', '5005')}", environ.get("RASA_AUTH_TOKEN", ""))
    else:
        healthy = actions_ready(f"http://127.0.0.1:{environ.get('ACTION_PORT', '5055')}")
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], os.environ))
