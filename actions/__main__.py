"""Start the action server only after the knowledge file has been validated.

``python -m actions [rasa-sdk options]``: a broken knowledge file stops start-up
with one readable message naming each bad entry and field, instead of a stack
trace at the first patient's question. ``python -m actions --check`` only
validates the file (``make check-knowledge``).
"""

from __future__ import annotations

import sys

from actions.knowledge_loader import KnowledgeFileError, default_knowledge_base
from service.quiet_warnings import silence_library_deprecations


def main() -> int:
    silence_library_deprecations()  # before rasa-sdk is imported: its libraries warn while they load
    try:
        knowledge = default_knowledge_base()
    except KnowledgeFileError as error:
        print(f"Refusing to start the action server.\n{error}", file=sys.stderr)
        return 2
    print(f"Knowledge file OK: {len(knowledge.faqs)} topics for {knowledge.clinic.name}.")
    if "--check" in sys.argv[1:]:
        return 0
    from rasa_sdk.__main__ import main as rasa_sdk_main

    from observability import action_metrics

    action_metrics.register()  # GET /metrics (rasa-sdk's plugin hook)
    sys.argv = [sys.argv[0], "--actions", "actions", *sys.argv[1:]]
    rasa_sdk_main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
