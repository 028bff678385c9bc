"""The real-world validation sets: real people's words, kept apart from training and from every other set.

tests/nlu/real_world_validation.yml and real_world_validation_2.yml were gathered from public pages by helpers
who never saw data/ or the other evaluation sets. Their messages are never read while improving the assistant;
only their aggregate figures check, on real people's words, choices made on the blind-written set. So none of it
may train the model, none of it may repeat a message or a page of another set, and its labels must be ones the
assistant can give.
"""

from __future__ import annotations

from collections import Counter

import pytest
import yaml

from evaluation.labelled_data import (
    BLIND_WRITTEN_FILE,
    COMPLICATION,
    DOMAIN_FILE,
    HOLDOUT_FILE,
    OUT_OF_SCOPE,
    REAL_WORLD_DEV_FILE,
    REAL_WORLD_VALIDATION_2_FILE,
    REAL_WORLD_VALIDATION_FILE,
    faq_intents,
    load_labelled,
    load_real_world,
    load_training_messages,
)
from evaluation.text_similarity import near_copies, near_copies_either_way

VALIDATION = load_real_world(REAL_WORLD_VALIDATION_FILE)
VALIDATION_2 = load_real_world(REAL_WORLD_VALIDATION_2_FILE)
MAX_MESSAGES_PER_PAGE = 6


# Each set, the least it must hold: messages, out-of-scope messages, complication reports. The second is small
# because the stored pages ran short (docs/evaluation.md).
SPREADS = {
    "first": (VALIDATION, 250, 40, 20),
    "second": (VALIDATION_2, 100, 40, 5),
}


@pytest.mark.parametrize("name", SPREADS)
def test_no_training_example_copies_a_validation_message_and_back(name: str) -> None:
    training = [m.text for m in load_training_messages()]
    assert near_copies_either_way([m.text for m in SPREADS[name][0]], training) == []


def test_no_message_or_page_of_another_set_comes_in_through_it() -> None:
    real_world = [*load_real_world(), *load_real_world(REAL_WORLD_DEV_FILE)]
    others = [*load_labelled(HOLDOUT_FILE), *real_world, *load_real_world(BLIND_WRITTEN_FILE)]
    assert near_copies((m.text for m in VALIDATION), of=(m.text for m in others)) == []
    assert {m.source for m in VALIDATION}.isdisjoint({m.source for m in real_world})


def test_the_second_set_repeats_no_message_or_page_of_any_other_set() -> None:
    earlier = [*load_real_world(), *load_real_world(REAL_WORLD_DEV_FILE), *VALIDATION]
    others = [*load_labelled(HOLDOUT_FILE), *earlier, *load_real_world(BLIND_WRITTEN_FILE)]
    assert near_copies((m.text for m in VALIDATION_2), of=(m.text for m in others)) == []
    assert near_copies((m.text for m in others), of=(m.text for m in VALIDATION_2)) == []
    assert {m.source for m in VALIDATION_2}.isdisjoint({m.source for m in earlier})


@pytest.mark.parametrize("name", SPREADS)
def test_labels_sources_and_spread(name: str) -> None:
    messages, least_messages, least_out_of_scope, least_reports = SPREADS[name]
    intents = set(yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))["intents"])
    assert len(messages) >= least_messages
    assert [m.text for m in messages if m.intent not in intents] == []
    assert [m.text for m in messages if not set(m.also_ok) <= set(faq_intents()) | {COMPLICATION}] == []
    assert [m.text for m in messages if not m.source.startswith("http")] == []
    per_page = Counter(m.source for m in messages)
    assert [page for page, count in per_page.items() if count > MAX_MESSAGES_PER_PAGE] == []
    labels = Counter(m.intent for m in messages)
    assert labels[OUT_OF_SCOPE] >= least_out_of_scope and labels[COMPLICATION] >= least_reports
    assert sum(m.near_miss for m in messages) >= labels[OUT_OF_SCOPE] // 2
    assert len(set(labels) - {OUT_OF_SCOPE, COMPLICATION}) >= 20  # questions spread over the FAQ topics
