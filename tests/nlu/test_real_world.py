"""Real people's questions, scored end to end through the REST webhook: the figures a visitor would see.

The set (tests/nlu/real_world.yml) was gathered from public pages by a helper
who never saw data/; nothing in it may reach the training data, checked here
in both directions. Its test part (evaluation.labelled_data.real_world_part)
was never read while the assistant was improved.
"""

from __future__ import annotations

from collections import Counter

import pytest
import yaml

from actions.knowledge_loader import DEFAULT_KNOWLEDGE_FILE, load_knowledge_base
from evaluation.answer_metrics import (
    ANSWER_TARGETS,
    AnswerScores,
    answer_scores,
    meets_answer_target,
    meets_target,
    scores_by_real_world_part,
)
from evaluation.labelled_data import (
    COMPLICATION,
    DOMAIN_FILE,
    OUT_OF_SCOPE,
    REAL_WORLD_PARTS,
    faq_intents,
    load_real_world,
    load_training_messages,
    real_world_part,
)
from evaluation.reply_outcome import ReplyReader
from evaluation.report import with_interval
from evaluation.text_similarity import near_copies
from evaluation.webhook_replies import webhook_replies
from service.launcher import DEFAULT_MODEL, PROJECT_ROOT

REAL_WORLD = load_real_world()
FAQS = set(faq_intents())


def test_no_training_example_copies_a_real_world_message() -> None:
    assert near_copies((m.text for m in load_training_messages()), of=(m.text for m in REAL_WORLD)) == []


def test_no_real_world_message_is_copied_in_the_training_data() -> None:
    assert near_copies((m.text for m in REAL_WORLD), of=(m.text for m in load_training_messages())) == []


def test_set_is_large_and_labelled_with_the_taxonomy() -> None:
    """>= 300 messages, 40 out-of-scope (half near-misses), 25 complications; sources and labels valid."""
    counts = Counter(m.intent for m in REAL_WORLD)
    assert len(REAL_WORLD) >= 300
    assert counts[OUT_OF_SCOPE] >= 40
    assert sum(m.near_miss for m in REAL_WORLD) >= counts[OUT_OF_SCOPE] / 2
    assert counts[COMPLICATION] >= 25
    intents = set(yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))["intents"])
    assert [m.text for m in REAL_WORLD if m.intent not in intents] == []
    assert [m.text for m in REAL_WORLD if not set(m.also_ok) <= FAQS | {COMPLICATION}] == []
    assert [m.text for m in REAL_WORLD if not m.source.strip()] == []
    assert {real_world_part(m) for m in REAL_WORLD} == set(REAL_WORLD_PARTS)


@pytest.fixture(scope="module")
def scores() -> dict[str, AnswerScores]:
    if not DEFAULT_MODEL.exists():
        pytest.fail(f"no trained model at {DEFAULT_MODEL}; run `make train`")
    log_dir = PROJECT_ROOT / "results" / "real-world"
    log_dir.mkdir(parents=True, exist_ok=True)
    reader = ReplyReader(load_knowledge_base(DEFAULT_KNOWLEDGE_FILE))
    outcomes = [reader.read(r) for r in webhook_replies([m.text for m in REAL_WORLD], log_dir=log_dir)]
    result = {"all": answer_scores(REAL_WORLD, outcomes, FAQS), **scores_by_real_world_part(REAL_WORLD, outcomes, FAQS)}
    for name, figures in result.items():
        print(f"\n[{name}: {figures.messages} messages]")
        print("\n".join(f"{metric}: {with_interval(figures, metric)}" for metric in figures.as_row()))
    return result


# The targets (evaluation.answer_metrics.ANSWER_TARGETS) are not all met yet; `make eval` reports
# them. These floors are the figures measured on the whole set, less about one message's worth and a margin for
# the CPU, so a change that loses real people's answers fails here. The figures move with the CPU (int8
# kernels): the release before last got 0.779 right / 0.083 wrong-topic on the machine that ran CI before and
# 0.760 / 0.094 on an AVX2-only AMD EPYC. On that EPYC (2026-12-01) the last release got 0.779 / 0.809 / 0.894 /
# 0.733 / 0.088 / 0.036, the next 0.790 / 0.847 / 0.894 / 0.800 / 0.068 / 0.030 (in the order below), the one
# after 0.802 / 0.851 / 0.894 / 0.800 / 0.065 / 0.026, the next (2026-12-02) 0.802 / 0.851 / 0.894 / 0.800 /
# 0.068 / 0.026, and this one (2026-12-02, after 4 training examples that near-copied messages of this set were
# removed) 0.798 / 0.847 / 0.915 / 0.800 / 0.068 / 0.026: out-of-scope's floor rose from 0.87 to 0.90. With the
# E5 second opinion (2026-12-02): 0.809 / 0.847 / 0.915 / 0.833 / 0.065 / 0.033, so the right-answer floor rose
# to 0.79 and the reports' to 0.80; false escalation rose by two messages and keeps its ceiling.
FLOORS: dict[str, tuple[str, float]] = {
    "right FAQ answer (FAQ questions)": (">=", 0.79),
    "right answer or right first 'Did you mean' (FAQ questions)": (">=", 0.83),
    "out-of-scope kept from any FAQ answer": (">=", 0.90),
    "complication report escalated": (">=", 0.80),
    "FAQ answer to a different question (all messages)": ("<=", 0.075),
    "plain message given complication advice": ("<=", 0.035),
}


def test_every_target_has_a_floor() -> None:
    assert set(FLOORS) == set(ANSWER_TARGETS)


@pytest.mark.parametrize("metric", list(FLOORS))
def test_real_world_figure_holds_its_floor(scores, metric: str) -> None:
    """End to end on the whole set: no worse than recorded; whether the target is met is printed."""
    value = scores["all"].as_row()[metric]
    print(f"\n{metric}: {value:.3f} (target {ANSWER_TARGETS[metric]}, met: {meets_answer_target(metric, value)})")
    assert meets_target(FLOORS, metric, value), f"{metric}: {value:.3f}, floor {FLOORS[metric]}"
