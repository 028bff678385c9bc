"""The project's spaCy pipeline finds the entities and maps them to canonical values."""

from __future__ import annotations

import pytest
import spacy

from evaluation.labelled_data import PROJECT_ROOT
from nlu_components.extractors.canonical_entity_extractor import entities_from_doc
from spacy_pipeline.needle_length import canonical_needle_length

PIPELINE = PROJECT_ROOT / "build" / "spacy-en-microneedling"


@pytest.fixture(scope="module")
def nlp():
    assert PIPELINE.is_dir(), "build the pipeline first: make spacy-pipeline"
    return spacy.load(PIPELINE)


def extract(nlp, text):
    return [(e["entity"], e["value"]) for e in entities_from_doc(nlp(text.lower()))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("and what about .5mm needles?", [("needle_length", "0.5 mm")]),
        ("is 1 millimeter too deep", [("needle_length", "1.0 mm")]),
        ("half a millimetre or 1.0mm", [("needle_length", "0.5 mm"), ("needle_length", "1.0 mm")]),
        ("0,25 mm roller", [("needle_length", "0.25 mm"), ("device", "roller")]),
        ("Will it help my pitted scars", [("concern", "acne scars")]),
        ("I'm pregnant and have keloid scarring", [("condition", "pregnancy"), ("condition", "keloids")]),
        ("I take warfarin", [("condition", "blood thinners")]),
        ("dermapen vs derma roller", [("device", "pen"), ("device", "roller")]),
        ("better than a TCA peel or fraxel?", [("treatment", "chemical peel"), ("treatment", "laser")]),
        ("stretch marks on my tummy", [("concern", "stretch marks"), ("body_area", "abdomen")]),
        ("thinning hair on my scalp", [("concern", "hair loss"), ("body_area", "scalp")]),
        ("does it hurt", []),
    ],
)
def test_canonical_entities(nlp, text, expected) -> None:
    assert extract(nlp, text) == expected


def test_repeated_mentions_are_reported_once(nlp) -> None:
    assert extract(nlp, "scars, scars and more scars") == [("concern", "scars")]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1mm", "1.0 mm"),
        ("1.5 mm", "1.5 mm"),
        (".5mm", "0.5 mm"),
        ("0,75 mm", "0.75 mm"),
        ("two mm", "2.0 mm"),
        ("mm", None),
        ("0 mm", None),
    ],
)
def test_needle_length_normalisation(text, value) -> None:
    assert canonical_needle_length(text) == value


def test_unusable_input_is_routed_to_fallback() -> None:
    from rasa.shared.nlu.training_data.message import Message

    from nlu_components.classifiers.unusable_input_classifier import UnusableInputClassifier

    emoji = Message(data={"text": "🙂🙂🙂", "intent": {"name": "goodbye", "confidence": 0.8}})
    spanish = Message(data={"text": "¿Cuánto cuesta y duele mucho?", "intent": {"name": "greet", "confidence": 0.6}})
    english = Message(data={"text": "bye for now", "intent": {"name": "goodbye", "confidence": 0.8}})
    UnusableInputClassifier().process([emoji, spanish, english])
    assert emoji.get("intent") == {"name": "nlu_fallback", "confidence": 1.0}
    assert spanish.get("intent_ranking")[0]["name"] == "nlu_fallback"
    assert english.get("intent")["name"] == "goodbye"
