"""The second real-world development set: kept apart from training and from the first set's test part.

tests/nlu/real_world_dev.yml holds more messages real people wrote, gathered later by a
helper who never saw data/, from pages disjoint from tests/nlu/real_world.yml. It is
read in full while improving the assistant (like the first set's dev part), so it is an
evaluation set for `make eval`, never training data, and it must not leak anything of the
first set's never-read test part.
"""

from __future__ import annotations

import yaml

from evaluation.labelled_data import (
    COMPLICATION,
    DOMAIN_FILE,
    REAL_WORLD_DEV_FILE,
    faq_intents,
    load_real_world,
    load_training_messages,
)
from evaluation.text_similarity import near_copies, near_copies_either_way

DEV = load_real_world(REAL_WORLD_DEV_FILE)
FIRST_SET = load_real_world()


def test_no_training_example_copies_a_dev_message_and_back() -> None:
    training = [m.text for m in load_training_messages()]
    dev = [m.text for m in DEV]
    assert near_copies_either_way(dev, training) == []


def test_sources_and_messages_are_disjoint_from_the_first_set() -> None:
    """Nothing of the first set (whose test part is never read) comes in through this one."""
    assert {m.source for m in DEV}.isdisjoint({m.source for m in FIRST_SET})
    assert near_copies((m.text for m in DEV), of=(m.text for m in FIRST_SET)) == []


def test_labels_and_sources_are_valid() -> None:
    intents = set(yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))["intents"])
    assert len(DEV) >= 100
    assert [m.text for m in DEV if m.intent not in intents] == []
    assert [m.text for m in DEV if not set(m.also_ok) <= set(faq_intents()) | {COMPLICATION}] == []
    assert [m.text for m in DEV if not m.source.strip()] == []
