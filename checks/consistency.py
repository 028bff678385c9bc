"""Do the domain, NLU data, rules, knowledge file, entity patterns and seeds agree?

A new FAQ topic touches several files (docs/adding-a-topic.md). Rasa's own
`rasa data validate` catches some gaps; these checks catch the rest and say,
for each problem, which file to change and how, so a missed step is an
instruction rather than a wrong answer in front of a patient. They take the
project folder as an argument so the guide's own test can run them on a copy.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

FAQ_RULE_FILE = Path("data") / "rules" / "faq.yml"
FAQ_ACTION = "action_answer_faq"
KNOWLEDGE_FILE = Path("knowledge") / "microneedling_faq.yml"
PATTERNS_FILE = Path("spacy_pipeline") / "entity_patterns.yml"
SUITABILITY_FORM = "suitability_form"
FAQ_PREFIX = "ask_"  # the knowledge file's schema requires it of every FAQ topic


@dataclass(frozen=True)
class ProjectFiles:
    """The files the checks read, parsed once, from one project folder."""

    root: Path

    def yaml(self, relative: Path) -> dict:
        return yaml.safe_load((self.root / relative).read_text(encoding="utf-8")) or {}

    @property
    def domain_intents(self) -> list[str]:
        return list(self.yaml(Path("domain.yml"))["intents"])

    @property
    def faq_intents(self) -> list[str]:
        return [intent for intent in self.domain_intents if intent.startswith(FAQ_PREFIX)]

    @property
    def knowledge(self) -> dict:
        return self.yaml(KNOWLEDGE_FILE)

    def training_intents(self) -> set[str]:
        intents: set[str] = set()
        for path in sorted((self.root / "data" / "nlu").glob("*.yml")):
            for block in self.yaml(path.relative_to(self.root)).get("nlu") or []:
                if "intent" in block and str(block.get("examples") or "").strip():
                    intents.add(block["intent"])
        return intents

    def faq_rule_intents(self) -> set[str]:
        """Intents of the rules in data/rules/faq.yml that answer with the FAQ action."""
        intents: set[str] = set()
        for rule in self.yaml(FAQ_RULE_FILE).get("rules") or []:
            steps = rule.get("steps") or []
            if any(step.get("action") == FAQ_ACTION for step in steps):
                for step in steps:
                    intents |= {step["intent"]} if "intent" in step else {o["intent"] for o in step.get("or", [])}
        return intents


def topic_problems(files: ProjectFiles) -> list[str]:
    """Every FAQ topic has a domain intent, a knowledge entry, training examples and a rule, and nothing extra."""
    problems = []
    faqs, entries = files.faq_intents, set(files.knowledge.get("faqs") or {})
    training, rule = files.training_intents(), files.faq_rule_intents()
    for intent in faqs:
        if intent not in entries:
            problems.append(f"'{intent}' is in domain.yml but has no entry under faqs: in {KNOWLEDGE_FILE}; add one")
        if intent not in rule:
            problems.append(
                f"'{intent}' is not answered by any rule: add '- intent: {intent}' to the 'or:' list of the rule "
                f"with action {FAQ_ACTION} in {FAQ_RULE_FILE}"
            )
    for intent in files.domain_intents:
        if intent not in training:
            problems.append(f"'{intent}' has no training examples: add an '- intent: {intent}' block under data/nlu/")
    for intent in sorted(entries - set(faqs)):
        problems.append(f"{KNOWLEDGE_FILE} has an entry '{intent}' that domain.yml does not list under intents:")
    for intent in sorted(rule - set(faqs)):
        problems.append(f"{FAQ_RULE_FILE} answers '{intent}', which domain.yml does not list as an FAQ intent")
    return problems


def variant_problems(files: ProjectFiles) -> list[str]:
    """Variant keys must be canonical entity values, or the answer builder can never pick them."""
    patterns = files.yaml(PATTERNS_FILE).get("phrases") or {}
    problems = []
    for intent, entry in (files.knowledge.get("faqs") or {}).items():
        for entity_type, values in (entry.get("variants") or {}).items():
            for value in values:
                if entity_type == "needle_length":
                    number = value.removesuffix(" mm")
                    if not (value.endswith(" mm") and number.replace(".", "", 1).isdigit() and float(number) > 0):
                        problems.append(f"entry '{intent}': needle length variant '{value}' must look like '0.5 mm'")
                elif value not in (patterns.get(entity_type) or {}):
                    problems.append(
                        f"entry '{intent}': variant {entity_type} '{value}' is not a canonical value in "
                        f"{PATTERNS_FILE}; add it under phrases: {entity_type}: with the words people type"
                    )
    return problems


def guided_form_problems(files: ProjectFiles) -> list[str]:
    """The suitability questions are the form's slots, and their entity values and concerns are real.

    The form's slots must be declared in domain.yml, the questions live in the
    knowledge file: a question without a slot would never be asked, a slot
    without a question would stop the form forever.
    """
    domain = files.yaml(Path("domain.yml"))
    patterns = files.yaml(PATTERNS_FILE).get("phrases") or {}
    knowledge = files.knowledge
    questions = (knowledge.get("suitability_check") or {}).get("questions") or {}
    form_slots = ((domain.get("forms") or {}).get(SUITABILITY_FORM) or {}).get("required_slots") or []
    expected = [f"suitability_{key}" for key in questions]
    problems = []
    for slot in expected:
        if slot not in form_slots:
            problems.append(
                f"{KNOWLEDGE_FILE} asks question '{slot.removeprefix('suitability_')}', but domain.yml has no "
                f"slot '{slot}' under forms: {SUITABILITY_FORM}: required_slots (and slots:); add both"
            )
    for slot in form_slots:
        if slot not in expected:
            problems.append(
                f"domain.yml's {SUITABILITY_FORM} requires '{slot}', but {KNOWLEDGE_FILE} has no question "
                f"'{slot.removeprefix('suitability_')}' under suitability_check: questions:; add it or remove the slot"
            )
    for key, question in questions.items():
        for value in question.get("conditions") or []:
            if value not in (patterns.get("condition") or {}):
                problems.append(
                    f"suitability question '{key}': condition '{value}' is not a canonical value in {PATTERNS_FILE}"
                )
    estimate = knowledge.get("cost_estimate") or {}
    pricing = knowledge.get("pricing") or {}
    concerns = [
        *(estimate.get("concerns") or []),
        *(estimate.get("seed_sessions") or {}),
        *(pricing.get("plans") or {}),
    ]
    for value in concerns:
        if value not in (patterns.get("concern") or {}):
            problems.append(f"cost estimate: concern '{value}' is not a canonical value in {PATTERNS_FILE}")
    return problems


def source_problems(files: ProjectFiles, seeds_dir: Path) -> list[str]:
    """Every entry names seed articles that exist: its facts must come from them."""
    seeds = {path.name for path in seeds_dir.glob("*.txt")}
    if not seeds:
        return [f"no seed articles found in {seeds_dir}"]
    entries = dict(files.knowledge.get("faqs") or {})
    for section in ("suitability_check", "cost_estimate"):
        entries[section] = files.knowledge.get(section) or {}
    return [
        f"entry '{intent}': sources names {sorted(set(entry.get('sources') or []) - seeds)}, not in {seeds_dir}"
        for intent, entry in entries.items()
        if not set(entry.get("sources") or []) <= seeds
    ]


def all_problems(root: Path, seeds_dir: Path) -> list[str]:
    files = ProjectFiles(root)
    return [
        *topic_problems(files),
        *variant_problems(files),
        *guided_form_problems(files),
        *source_problems(files, seeds_dir),
    ]


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    problems = all_problems(root, root.parent / "shared" / "seeds")
    for problem in problems:
        print(f"- {problem}")
    print("Project files agree." if not problems else f"{len(problems)} problem(s); fix them and run this again.")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
