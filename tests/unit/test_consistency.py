"""Domain, training data, knowledge file, entity patterns and seeds agree with each other."""

from __future__ import annotations

from pathlib import Path

import yaml

from actions.knowledge_loader import GUIDED_INTENTS
from checks.consistency import all_problems
from evaluation.labelled_data import PROJECT_ROOT, faq_intents
from tests.project_copy import copy_project

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
SEEDS_DIR = PROJECT_ROOT.parent / "shared" / "seeds"
FAQ_INTENTS = faq_intents()


def test_project_files_agree() -> None:
    """Topics, rules, training data, knowledge entries, variant keys and seeds (checks.consistency)."""
    assert all_problems(PROJECT_ROOT, SEEDS_DIR) == []


def test_follow_ups_and_menu_point_at_real_intents(knowledge) -> None:
    for entry in knowledge.faqs.values():
        assert 2 <= len(entry.follow_ups) <= 3
        assert set(entry.follow_ups) <= set(FAQ_INTENTS), entry.intent
    # The menu may also start a guided conversation (a form), e.g. the suitability check.
    assert set(knowledge.menu) <= set(FAQ_INTENTS) | set(GUIDED_INTENTS)
    assert set(GUIDED_INTENTS) <= set(DOMAIN["intents"])


def test_a_missed_step_is_named_with_what_to_do(tmp_path: Path) -> None:
    """A topic missing from the FAQ rule, the knowledge file or the data is reported with the file to change."""
    copy_project(tmp_path)
    rules = tmp_path / "data" / "rules" / "faq.yml"
    rules.write_text(rules.read_text().replace("          - intent: ask_age\n", ""))
    knowledge_file = tmp_path / "knowledge" / "microneedling_faq.yml"
    entries = yaml.safe_load(knowledge_file.read_text())
    del entries["faqs"]["ask_payment"]
    knowledge_file.write_text(yaml.safe_dump(entries, allow_unicode=True))
    problems = all_problems(tmp_path, SEEDS_DIR)
    assert any("'ask_age' is not answered by any rule" in p and "data/rules/faq.yml" in p for p in problems)
    assert any("'ask_payment'" in p and "no entry under faqs:" in p for p in problems)


def test_entity_types_match_the_domain() -> None:
    from actions.conversation_context import ENTITY_TYPES
    from spacy_pipeline.patterns import ENTITY_LABELS

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
        # Rasa calls validate_<form> itself for a form the rules run.
        form_validation = name.startswith("validate_") and name.removeprefix("validate_") in used
        assert name in used or f'"{name}"' in code or form_validation, name
