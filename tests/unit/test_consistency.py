"""Domain, training data, knowledge file, entity patterns and seeds agree with each other."""

from __future__ import annotations

from pathlib import Path

import yaml

from evaluation.labelled_data import PROJECT_ROOT, faq_intents, load_labelled
from microneedling_nlp.patterns import PATTERNS_FILE

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
SEEDS_DIR = PROJECT_ROOT.parent / "shared" / "seeds"
FAQ_INTENTS = faq_intents()


def _training_intents() -> set:
    intents = set()
    for path in (PROJECT_ROOT / "data" / "nlu").glob("*.yml"):
        intents |= {message.intent for message in load_labelled(path)}
    return intents


def test_every_faq_intent_has_a_knowledge_entry_and_training_examples(knowledge) -> None:
    assert FAQ_INTENTS, "domain.yml lists no ask_* FAQ intents"
    assert set(knowledge.faqs) == set(FAQ_INTENTS)
    assert set(DOMAIN["intents"]) <= _training_intents()


def test_follow_ups_and_menu_point_at_real_intents(knowledge) -> None:
    for entry in knowledge.faqs.values():
        assert 2 <= len(entry.follow_ups) <= 3
        assert set(entry.follow_ups) <= set(FAQ_INTENTS), entry.intent
    assert set(knowledge.menu) <= set(FAQ_INTENTS)


def test_variant_keys_are_canonical_entity_values(knowledge) -> None:
    patterns = yaml.safe_load(PATTERNS_FILE.read_text(encoding="utf-8"))["phrases"]
    for entry in knowledge.faqs.values():
        for entity_type, values in entry.variants.items():
            for value in values:
                if entity_type == "needle_length":
                    assert value.endswith(" mm") and float(value.split()[0]) > 0, (entry.intent, value)
                else:
                    assert value in patterns[entity_type], (entry.intent, entity_type, value)


def test_every_entry_names_existing_seed_files(knowledge) -> None:
    assert SEEDS_DIR.is_dir(), f"seed articles expected at {SEEDS_DIR}"
    seeds = {path.name for path in SEEDS_DIR.glob("*.txt")}
    for entry in knowledge.faqs.values():
        assert set(entry.sources) <= seeds, entry.intent


def test_entity_types_match_the_domain() -> None:
    from actions.conversation_context import ENTITY_TYPES
    from microneedling_nlp.patterns import ENTITY_LABELS

    assert set(DOMAIN["entities"]) == set(ENTITY_TYPES) == set(ENTITY_LABELS)


def test_no_answer_copies_a_seed_sentence(knowledge) -> None:
    """Facts carry over, sentences do not: no 8-word run is shared with a seed."""

    def shingles(text: str, size: int = 8) -> set:
        words = [w.strip(".,;:!?()*\"'").lower() for w in text.split()]
        words = [w for w in words if w]
        return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}

    seed_runs = set()
    for path in SEEDS_DIR.glob("*.txt"):
        seed_runs |= shingles(path.read_text(encoding="utf-8"))
    for entry in knowledge.faqs.values():
        texts = [entry.answer, *(t for values in entry.variants.values() for t in values.values())]
        for text in texts:
            assert shingles(text).isdisjoint(seed_runs), entry.intent


def test_every_domain_response_and_action_is_used() -> None:
    used = set()
    for path in Path(PROJECT_ROOT, "data", "rules").glob("*.yml"):
        used |= set(yaml.safe_dump(yaml.safe_load(path.read_text())).split())
    code = "".join(p.read_text() for p in (PROJECT_ROOT / "actions").glob("*.py"))
    for name in list(DOMAIN["responses"]) + DOMAIN["actions"]:
        assert name in used or f'"{name}"' in code, name
