"""Docs whose figures a command writes: the generated section is replaced, and the eval summary hides test details."""

from __future__ import annotations

from dataclasses import replace

import pytest

import docgen
from evaluation.answer_metrics import AnswerScores
from evaluation.report import summary_markdown
from evaluation.uncertainty import wilson_interval
from service.launcher import PROJECT_ROOT


def _scores(right: float, topic: str) -> AnswerScores:
    return AnswerScores(100, right, right, 0.9, 0.9, 0.8, 0.05, 0.02, 0.1, {topic: (3, 4)}, [(topic, "ask_cost", 1)])


def test_a_second_run_replaces_the_first_and_leaves_the_rest(tmp_path) -> None:
    start, end = docgen.markers("make eval")
    doc = tmp_path / "evaluation.md"
    doc.write_text(f"# Quality\n\n{start}\n\nold\n\n{end}\n\n## After\n", encoding="utf-8")
    docgen.write_section(doc, "first", "make eval")
    docgen.write_section(doc, "second", "make eval")
    text = doc.read_text(encoding="utf-8")
    assert "second" in text and "first" not in text and "old" not in text
    assert text.startswith("# Quality") and text.endswith(f"{end}\n\n## After\n")
    with pytest.raises(ValueError, match="no generated section"):
        docgen.replace_section("# no markers\n", "figures", "make eval")


def test_eval_summary_shows_aggregates_and_no_test_part_details() -> None:
    answers = {
        "held-out": {"assistant": _scores(0.95, "ask_heldout_topic")},
        "real-world": {"assistant": _scores(0.78, "ask_realworld_topic"), "rasa init": _scores(0.74, "ask_x")},
        "real-world test part": {"assistant": _scores(0.73, "ask_secret_topic")},
    }
    text = summary_markdown(answers, "assistant", "Measured today.")
    assert "| right FAQ answer (FAQ questions) | >= 0.92 | 0.950 | 0.780 | 0.730 |" in text
    assert "0.740" in text  # the baseline on the whole real-world set
    assert "secret_topic" not in text  # the test part's per-topic results stay in results/eval.md
    assert "realworld_topic" not in text  # and so do the whole set's, which include the test part's


def test_the_docs_keep_their_generated_sections() -> None:
    for doc, command in [("docs/evaluation.md", "make eval"), ("docs/performance.md", "make bench")]:
        text = (PROJECT_ROOT / doc).read_text(encoding="utf-8")
        start, end = docgen.markers(command)
        assert text.count(start) == 1 and text.count(end) == 1 and text.index(start) < text.index(end), doc


def test_eval_summary_gives_each_figure_its_interval() -> None:
    counted = replace(
        _scores(0.8, "ask_pain"),
        counts={"right FAQ answer (FAQ questions)": (160, 200), "complication report escalated": (0, 0)},
    )
    text = summary_markdown({"held-out": {"assistant": counted}}, "assistant", "Measured today.")
    low, high = wilson_interval(160, 200)
    assert f"| right FAQ answer (FAQ questions) | >= 0.92 | 0.800 ({low:.3f}–{high:.3f}) |" in text
    assert "| complication report escalated | >= 1.00 | 0.800 |" in text  # nothing counted: no interval
    assert "Wilson" in text
