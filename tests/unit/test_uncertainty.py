"""Intervals of figures measured on a few hundred messages, and paired comparisons of two systems."""

from __future__ import annotations

import math

import pytest

from evaluation.answer_metrics import answer_scores, message_verdicts
from evaluation.compare_models import SETS, changed_messages, comparison_table, main
from evaluation.labelled_data import LabelledMessage
from evaluation.reply_outcome import ReplyKind, ReplyOutcome
from evaluation.uncertainty import paired_change, sign_test_p_value, wilson_interval


def test_wilson_interval_matches_published_values() -> None:
    # 8 of 10: the textbook example (Newcombe 1998 gives 0.490-0.943).
    low, high = wilson_interval(8, 10)
    assert (round(low, 3), round(high, 3)) == (0.490, 0.943)
    # None of 23: the lower bound is 0 and the upper z^2 / (n + z^2), not 0 as the normal approximation says.
    low, high = wilson_interval(0, 23)
    assert low == 0.0 and high == pytest.approx(1.959964**2 / (23 + 1.959964**2), rel=1e-6)
    assert wilson_interval(23, 23)[1] == 1.0
    assert all(math.isnan(x) for x in wilson_interval(0, 0))


def test_wilson_interval_narrows_with_more_messages_and_refuses_impossible_counts() -> None:
    small, large = wilson_interval(16, 20), wilson_interval(160, 200)
    assert small[0] < large[0] < 0.8 < large[1] < small[1]
    with pytest.raises(ValueError):
        wilson_interval(5, 4)


def test_sign_test_is_exact() -> None:
    assert sign_test_p_value(6, 0) == pytest.approx(2 / 64)
    assert sign_test_p_value(9, 1) == pytest.approx(2 * 11 / 1024)
    assert sign_test_p_value(1, 9) == sign_test_p_value(9, 1)
    assert sign_test_p_value(5, 5) == 1.0
    assert sign_test_p_value(0, 0) == 1.0


def test_paired_change_counts_only_moved_messages_and_respects_direction() -> None:
    before = [True, True, False, False, None, True]
    after = [True, False, True, True, None, True]
    higher = paired_change(before, after)
    assert (higher.counted, higher.before, higher.after, higher.better, higher.worse) == (5, 3, 4, 2, 1)
    # For a rate where lower is better (wrong answers) the same moves count the other way round.
    lower = paired_change(before, after, higher_is_better=False)
    assert (lower.better, lower.worse) == (1, 2)
    assert not higher.significant()
    assert paired_change([False] * 8, [True] * 8).significant()


def test_paired_change_refuses_two_different_sets() -> None:
    with pytest.raises(ValueError, match="different sets"):
        paired_change([True], [True, False])
    with pytest.raises(ValueError, match="labels differ"):
        paired_change([True, None], [True, False])


MESSAGES = [
    LabelledMessage("does it hurt", "ask_pain"),
    LabelledMessage("how much", "ask_cost"),
    LabelledMessage("botox price", "out_of_scope", near_miss=True),
    LabelledMessage("pus since my session", "report_complication"),
]
FAQS = {"ask_pain", "ask_cost"}


def _replies(to_how_much: str) -> list[ReplyOutcome]:
    """The pain answer, ``to_how_much``'s answer, the scope message and the escalation, in MESSAGES' order."""
    return [
        ReplyOutcome(ReplyKind.ANSWER, "ask_pain"),
        ReplyOutcome(ReplyKind.ANSWER, to_how_much),
        ReplyOutcome(ReplyKind.OUT_OF_SCOPE),
        ReplyOutcome(ReplyKind.ESCALATION),
    ]


def test_scores_carry_the_counts_their_intervals_come_from() -> None:
    outcomes = _replies("ask_pain")
    scores = answer_scores(MESSAGES, outcomes, FAQS)
    assert scores.counts["right FAQ answer (FAQ questions)"] == (1, 2)
    assert scores.counts["FAQ answer to a different question (all messages)"] == (1, 4)
    assert scores.counts["plain message given complication advice"] == (0, 3)
    assert scores.interval("right FAQ answer (FAQ questions)") == wilson_interval(1, 2)
    verdicts = message_verdicts(MESSAGES, outcomes, FAQS)
    assert verdicts["complication report escalated"] == [None, None, None, True]
    assert verdicts["right FAQ answer (FAQ questions)"] == [True, False, None, None]


def test_comparison_lists_what_moved_and_marks_only_clear_changes() -> None:
    before = message_verdicts(MESSAGES, [ReplyOutcome(ReplyKind.ANSWER, "ask_pain")] * 4, FAQS)
    after = message_verdicts(MESSAGES, _replies("ask_cost"), FAQS)
    lines = changed_messages(MESSAGES, before, after)
    assert len(lines) == 3 and "does it hurt" not in "\n".join(lines)
    assert "'how much'" in lines[0] and "right FAQ answer" in lines[0]
    changes = {name: paired_change(before[name], after[name]) for name in before}
    table = comparison_table("toy", changes)
    assert "| right FAQ answer (FAQ questions) | 1/2 0.500" in table
    assert "| 1 | 0 | 1.000 |" in table and " *" not in table  # one message is never a clear change


def test_the_tool_refuses_to_print_unreadable_sets(tmp_path, capsys) -> None:
    model = tmp_path / "m.tar.gz"
    model.write_bytes(b"x")
    for argv in (
        ["--before", str(model), "--after", str(model), "--sets", "validation", "--show-changes"],
        ["--before", str(model), "--after", str(model), "--sets", "held-out"],
    ):
        with pytest.raises(SystemExit) as stopped:
            main(argv)
        assert stopped.value.code == 2
    assert "never validation" in capsys.readouterr().err


def test_every_set_the_tool_names_loads_and_the_real_world_parts_do_not_overlap() -> None:
    loaded = {name: s.load() for name, s in SETS.items()}
    assert all(loaded.values())
    dev = {m.text for m in loaded["dev"]}
    assert dev and not dev & {m.text for m in loaded["real-world-test"]}
    assert {name for name, s in SETS.items() if s.readable} == {"blind", "dev", "dev2"}
    assert {name for name, s in SETS.items() if s.test_set} == {"held-out", "real-world-test"}
