"""Rasa NLU component: report the EntityRuler's entities with canonical values.

Rasa's stock ``SpacyEntityExtractor`` reports the typed text ("pitted scars") and
runs the spaCy pipeline a second time per message. This component reads the doc
``SpacyNLP`` already made and reports the pattern's canonical id ("acne scars"),
so the answering action can look variants up by one stable key.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import SPACY_DOCS
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.utils.spacy_utils import SpacyNLP
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu_components.stateless_component import StatelessComponent
from spacy_pipeline.needle_length import canonical_needle_length


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class CanonicalEntityExtractor(StatelessComponent, EntityExtractorMixin):
    """Entities from the project's EntityRuler, mapped to canonical values."""

    @classmethod
    def required_components(cls) -> list[type]:
        """SpacyNLP must run first: this component reads the doc it stores."""
        return [SpacyNLP]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """No options: the patterns themselves are data in the spaCy pipeline."""
        return {}

    def process(self, messages: list[Message]) -> list[Message]:
        """Add the canonical entities of each message's spaCy doc."""
        for message in messages:
            doc = message.get(SPACY_DOCS[TEXT])
            if doc is None:
                continue
            extracted = self.add_extractor_name(entities_from_doc(doc))
            message.set(ENTITIES, message.get(ENTITIES, []) + extracted, add_to_output=True)
        return messages


def entities_from_doc(doc: Any) -> list[dict[str, Any]]:
    """Rasa entity dicts for the doc's entities, deduplicated by label and value."""
    entities: list[dict[str, Any]] = []
    seen = set()
    for ent in doc.ents:
        value = canonical_value(ent.label_, ent.text, ent.ent_id_)
        if value is None or (ent.label_, value) in seen:
            continue
        seen.add((ent.label_, value))
        entities.append(
            {
                "entity": ent.label_,
                "value": value,
                "start": ent.start_char,
                "end": ent.end_char,
                "confidence": 1.0,
            }
        )
    return entities


def canonical_value(label: str, text: str, pattern_id: str) -> str | None:
    """The pattern id where the pattern has one; a parsed length for number shapes."""
    if pattern_id:
        return pattern_id
    if label == "needle_length":
        return canonical_needle_length(text)
    return text.lower()
