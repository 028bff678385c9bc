"""docs/adding-a-topic.md, followed on a copy of the project: the guide's steps give a project the checks accept.

If the project starts needing another step, the checks fail on the copy and this
test says so; if the guide stops naming a file the steps edit, it fails too.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from actions.knowledge_loader import load_knowledge_base
from checks.consistency import all_problems
from tests.project_copy import PROJECT_ROOT, copy_project

SEEDS_DIR = PROJECT_ROOT.parent / "shared" / "seeds"
GUIDE = PROJECT_ROOT / "docs" / "adding-a-topic.md"
TOPIC = "ask_preparation"
EXAMPLES = [
    "how do I prepare for microneedling",
    "What Should I Do Before My Microneedling Appointment?",
    "anything I need to do the day before my session",
    "should I come with a clean face to the appointment",
    "how to get ready for collagen induction therapy",
]


def insert_after(path: Path, anchor: str, addition: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert anchor in text, f"{path.name} no longer contains {anchor!r}: update the guide and this test"
    path.write_text(text.replace(anchor, anchor + addition, 1), encoding="utf-8")


@pytest.fixture()
def project_with_new_topic(tmp_path: Path) -> Path:
    copy_project(tmp_path)
    # 1. domain.yml
    insert_after(tmp_path / "domain.yml", "  - ask_what_is\n", f"  - {TOPIC}\n")
    # 2. data/rules/faq.yml
    insert_after(
        tmp_path / "data" / "rules" / "faq.yml", "          - intent: ask_what_is\n", f"          - intent: {TOPIC}\n"
    )
    # 3. data/nlu/
    block = f"\n- intent: {TOPIC}\n  examples: |\n" + "".join(f"    - {e}\n" for e in EXAMPLES)
    faq_data = tmp_path / "data" / "nlu" / "faq.yml"
    faq_data.write_text(faq_data.read_text(encoding="utf-8") + block, encoding="utf-8")
    # 4. knowledge/microneedling_faq.yml
    knowledge_file = tmp_path / "knowledge" / "microneedling_faq.yml"
    knowledge = yaml.safe_load(knowledge_file.read_text(encoding="utf-8"))
    knowledge["faqs"][TOPIC] = {
        "title": "How do I prepare?",
        "answer": "Preparation starts with a consultation, where your practitioner reviews your medical history "
        "and skin. On the day, your skin is cleansed and numbed before treatment.",
        "follow_ups": ["ask_procedure", "ask_pain"],
        "sources": ["002_37f2f40dea335e5e.txt"],
        "last_reviewed": "2026-12-01",
    }
    knowledge_file.write_text(yaml.safe_dump(knowledge, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return tmp_path


def test_the_guide_names_every_file_its_steps_edit() -> None:
    guide = GUIDE.read_text(encoding="utf-8")
    for named in ("domain.yml", "data/rules/faq.yml", "data/nlu/", "knowledge/microneedling_faq.yml",
                  "tests/nlu/holdout.yml", "tests/conversations/test_faq_topics.yml", "python -m checks"):  # fmt: skip
        assert named in guide, named


def test_following_the_guide_passes_the_checks(project_with_new_topic: Path) -> None:
    assert all_problems(project_with_new_topic, SEEDS_DIR) == []
    loaded = load_knowledge_base(project_with_new_topic / "knowledge" / "microneedling_faq.yml")
    assert loaded.faqs[TOPIC].title == "How do I prepare?"


def test_following_the_guide_passes_rasa_data_validate(project_with_new_topic: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "RASA_TELEMETRY_ENABLED": "false"}
    command = [sys.executable, "-m", "rasa", "data", "validate", "--fail-on-warnings"]
    command += ["--config", "config.yml", "--domain", "domain.yml", "--data", "data"]
    result = subprocess.run(command, cwd=project_with_new_topic, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_skipping_a_step_is_caught(project_with_new_topic: Path) -> None:
    rules = project_with_new_topic / "data" / "rules" / "faq.yml"
    rules.write_text(rules.read_text(encoding="utf-8").replace(f"          - intent: {TOPIC}\n", ""), encoding="utf-8")
    assert any(
        TOPIC in problem and "data/rules/faq.yml" in problem
        for problem in all_problems(project_with_new_topic, SEEDS_DIR)
    )
