"""Turn the human-editable ``entity_patterns.yml`` into spaCy EntityRuler patterns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

PATTERNS_FILE = Path(__file__).with_name("entity_patterns.yml")
ENTITY_LABELS = ("needle_length", "concern", "condition", "treatment", "device", "body_area")


class PatternFileError(ValueError):
    """The patterns file is malformed; the message names the label and value."""


def load_ruler_patterns(path: Path = PATTERNS_FILE) -> list[dict[str, Any]]:
    """Read the patterns file and return EntityRuler patterns.

    Phrase patterns carry the canonical value as the pattern ``id`` so the
    extractor can report "acne scars" whether someone typed "pitted scars" or
    "acne scarring".
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    patterns: list[dict[str, Any]] = []
    for label, values in (data.get("phrases") or {}).items():
        _check_label(label)
        for canonical, phrases in values.items():
            if not isinstance(phrases, list) or not phrases:
                raise PatternFileError(f"{path.name}: phrases.{label}.{canonical} must be a non-empty list")
            for phrase in phrases:
                patterns.append({"label": label, "pattern": str(phrase).lower(), "id": str(canonical)})
    for label, token_patterns in (data.get("token_patterns") or {}).items():
        _check_label(label)
        for token_pattern in token_patterns:
            patterns.append({"label": label, "pattern": token_pattern})
    return patterns


def _check_label(label: str) -> None:
    if label not in ENTITY_LABELS:
        raise PatternFileError(f"unknown entity label '{label}'; expected one of {', '.join(ENTITY_LABELS)}")
