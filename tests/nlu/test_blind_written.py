"""The blind-written validation set: kept apart from training and from every evaluation set.

tests/nlu/blind_written.yml holds messages team helpers wrote from docs/topic-guide.md alone,
never having seen data/ or tests/. It is text nobody on the training side wrote, for judging
settings and data before the real-world set is looked at; so none of it may train the model,
and none of it may carry a message of an evaluation set in with it.
"""

from __future__ import annotations

import yaml

from evaluation.labelled_data import (
    BLIND_WRITTEN_FILE,
    DOMAIN_FILE,
    HOLDOUT_FILE,
    REAL_WORLD_DEV_FILE,
    load_labelled,
    load_real_world,
    load_training_messages,
)
from evaluation.text_similarity import near_copies, near_copies_either_way

BLIND = load_real_world(BLIND_WRITTEN_FILE)


def test_no_training_example_copies_a_blind_message_and_back() -> None:
    training = [m.text for m in load_training_messages()]
    blind = [m.text for m in BLIND]
    assert near_copies_either_way(blind, training) == []


def test_no_evaluation_message_comes_in_through_it() -> None:
    evaluation = [*load_labelled(HOLDOUT_FILE), *load_real_world(), *load_real_world(REAL_WORLD_DEV_FILE)]
    assert near_copies((m.text for m in BLIND), of=(m.text for m in evaluation)) == []


def test_labels_are_intents_and_every_message_names_its_writer() -> None:
    intents = set(yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))["intents"])
    assert len(BLIND) >= 1500
    assert [m.text for m in BLIND if m.intent not in intents] == []
    assert [m.text for m in BLIND if not m.source.startswith("written blind from docs/topic-guide.md")] == []
