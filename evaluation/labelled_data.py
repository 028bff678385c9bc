"""Labelled messages from Rasa YAML NLU files: the training data and the held-out test set."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
HOLDOUT_FILE = PROJECT_ROOT / "tests" / "nlu" / "holdout.yml"
REAL_WORLD_FILE = PROJECT_ROOT / "tests" / "nlu" / "real_world.yml"
# More real people's messages, gathered later from sources disjoint from REAL_WORLD_FILE's, read in full while
# improving the assistant (a development set, like real_world.yml's dev part; never training data).
REAL_WORLD_DEV_FILE = PROJECT_ROOT / "tests" / "nlu" / "real_world_dev.yml"
# Written blind from docs/topic-guide.md by helpers who never saw data/ or tests/: a validation set of text
# nobody on the training side wrote (tests/nlu/test_blind_written.py keeps it out of training).
BLIND_WRITTEN_FILE = PROJECT_ROOT / "tests" / "nlu" / "blind_written.yml"
# A third gathering of real people's messages (2026-12-02), from pages no other set used, by a helper who never
# saw data/ or the other sets. Nobody improving the assistant reads its messages: only its aggregate figures are
# used, to check on real people's words a choice made on the blind-written set (`make tune`, docs/evaluation.md).
REAL_WORLD_VALIDATION_FILE = PROJECT_ROOT / "tests" / "nlu" / "real_world_validation.yml"
# A fourth gathering (2026-12-02, pages no other set used, same helper rules): a second validation set, read only
# as aggregate figures beside the first. Small (120) because the stored pages were mostly used already.
REAL_WORLD_VALIDATION_2_FILE = PROJECT_ROOT / "tests" / "nlu" / "real_world_validation_2.yml"
TRAINING_DATA_DIR = PROJECT_ROOT / "data" / "nlu"
DOMAIN_FILE = PROJECT_ROOT / "domain.yml"
OUT_OF_SCOPE = "out_of_scope"
COMPLICATION = "report_complication"


@dataclass(frozen=True)
class LabelledMessage:
    """One message and the intent a person meant; ``near_miss`` marks out-of-scope look-alikes (Botox, peels...).

    ``also_ok`` names other topics whose answer would serve the person as fairly (a real question can ask
    two things); ``source`` says where a real person's message was found.
    """

    text: str
    intent: str
    near_miss: bool = False
    also_ok: tuple[str, ...] = ()
    source: str = ""

    @property
    def acceptable(self) -> frozenset[str]:
        """Every topic whose answer counts as right for this message."""
        return frozenset((self.intent, *self.also_ok))


def load_labelled(path: Path = HOLDOUT_FILE) -> list[LabelledMessage]:
    """Every example of every intent block, in file order; entity markup is kept as written."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    messages = []
    for block in data.get("nlu", []):
        if "intent" not in block:  # lookup tables, synonyms, regexes
            continue
        near_miss = bool((block.get("metadata") or {}).get("near_miss"))
        for line in block["examples"].splitlines():
            text = line.strip()
            if text.startswith("- "):
                messages.append(LabelledMessage(text[2:].strip(), block["intent"], near_miss))
    return messages


def load_real_world(path: Path = REAL_WORLD_FILE) -> list[LabelledMessage]:
    """The real-world set: a YAML list of {text, intent, source, also_ok?, near_miss?} written by real people.

    Kept in its own simple format (not Rasa NLU YAML) because every message carries its source and its
    acceptable alternatives, and because nothing may ever train on it.
    """
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [
        LabelledMessage(
            text=str(entry["text"]).strip(),
            intent=str(entry["intent"]),
            near_miss=bool(entry.get("near_miss", False)),
            also_ok=tuple(str(topic) for topic in entry.get("also_ok") or ()),
            source=str(entry.get("source") or ""),
        )
        for entry in entries
    ]


DEV_SHARE_OF_256 = 86  # about a third of the real-world sources
REAL_WORLD_PARTS = ("dev", "test")


def real_world_part(message: LabelledMessage) -> str:
    """ "dev" or "test": the real-world set split by source, about one third dev.

    The dev part may be read while improving the assistant (its misses show what
    real people ask); the test part's messages are never read for that, so its
    figures stay an honest estimate. Splitting by source keeps one thread's
    messages on one side.
    """
    return "dev" if hashlib.sha256(message.source.encode()).digest()[0] < DEV_SHARE_OF_256 else "test"


def load_training_messages(directory: Path = TRAINING_DATA_DIR) -> list[LabelledMessage]:
    """All of data/nlu (used for the near-copy guard and the baselines' training)."""
    return [message for path in sorted(directory.glob("*.yml")) for message in load_labelled(path)]


def faq_intents() -> list[str]:
    """The FAQ topics: every ``ask_*`` intent of the domain."""
    domain = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))
    return [name for name in domain["intents"] if name.startswith("ask_")]
