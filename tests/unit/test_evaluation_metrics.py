"""The answer-quality figures of `make eval`, computed on small hand-made cases."""

from __future__ import annotations

import pytest

from evaluation.labelled_data import LabelledMessage, load_labelled
from evaluation.metrics import macro_f1, score
from evaluation.report import ahead_of_baselines, figure, meets
from evaluation.systems import plain_text

FAQS = {"ask_pain", "ask_cost"}


def test_scores_follow_what_the_person_actually_gets() -> None:
    messages = [
        LabelledMessage("does it hurt", "ask_pain"),
        LabelledMessage("how much is it", "ask_cost"),  # answered with the pain topic: a wrong answer
        LabelledMessage("how much is botox", "out_of_scope", near_miss=True),  # answered from the FAQ: not kept
        LabelledMessage("tell me a joke", "out_of_scope"),
        # The classifier says pain, but the action's screen sees pus after treatment and escalates.
        LabelledMessage("i have pus on my face since my treatment", "report_complication"),
    ]
    predicted = ["ask_pain", "ask_pain", "ask_cost", "nlu_fallback", "ask_pain"]
    result = score(messages, predicted, FAQS)
    assert result.in_scope_accuracy == pytest.approx(1 / 3)
    assert result.out_of_scope_recall == pytest.approx(0.5)
    assert result.near_miss_recall == 0.0
    assert result.wrong_answer_rate == pytest.approx(2 / 5)  # the cost question and Botox
    assert result.complication_recall == 1.0
    assert result.false_escalation_rate == 0.0
    assert result.fallback_rate == pytest.approx(1 / 5)
    assert ("ask_cost", "ask_pain", 1) in result.confused_pairs


def test_complication_advice_for_a_plain_question_counts_as_a_false_escalation() -> None:
    messages = [LabelledMessage("my knee hurts when i run", "out_of_scope"), LabelledMessage("hi", "greet")]
    result = score(messages, ["report_complication", "greet"], FAQS)
    assert result.false_escalation_rate == pytest.approx(0.5)
    assert result.out_of_scope_recall == 1.0  # no FAQ answer, so still kept from one


def test_macro_f1_weights_every_intent_equally() -> None:
    expected = ["a", "a", "a", "b"]
    predicted = ["a", "a", "a", "a"]
    # a: precision 3/4, recall 1 -> 6/7; b: never predicted -> 0.
    assert macro_f1(expected, predicted, {"a", "b"}) == pytest.approx((6 / 7 + 0) / 2)


def test_targets_and_comparison_with_baselines() -> None:
    assert meets("in-scope accuracy", 0.95) and not meets("in-scope accuracy", 0.949)
    assert meets("wrong-answer rate", 0.03) and not meets("wrong-answer rate", 0.031)
    assert meets("in-scope macro-F1", 0.5) is None  # reported, no target
    assert ahead_of_baselines("wrong-answer rate", 0.01, [0.05, 0.02])
    assert not ahead_of_baselines("in-scope accuracy", 0.9, [0.9, 0.8])
    assert ahead_of_baselines("complication recall", 1.0, [1.0, 0.9])  # tied at the ideal value


def test_entity_markup_is_removed_for_plain_text_classifiers() -> None:
    assert plain_text('is [1 mm](needle_length) too deep for [acne scars]{"entity": "concern"}') == (
        "is 1 mm too deep for acne scars"
    )


def test_near_miss_metadata_is_read_from_the_yaml(tmp_path) -> None:
    path = tmp_path / "nlu.yml"
    path.write_text(
        'version: "3.1"\nnlu:\n- intent: out_of_scope\n  metadata:\n    near_miss: true\n  examples: |\n'
        "    - do you do botox\n- intent: out_of_scope\n  examples: |\n    - tell me a joke\n"
    )
    assert load_labelled(path) == [
        LabelledMessage("do you do botox", "out_of_scope", near_miss=True),
        LabelledMessage("tell me a joke", "out_of_scope", near_miss=False),
    ]


def test_fallback_rule_matches_rasas_threshold_and_ambiguity() -> None:
    from evaluation.tune_thresholds import decide

    assert decide([("ask_pain", 0.6), ("ask_cost", 0.3)], 0.5, 0.1) == "ask_pain"
    assert decide([("ask_pain", 0.4), ("ask_cost", 0.1)], 0.5, 0.1) == "nlu_fallback"  # low confidence
    assert decide([("ask_pain", 0.55), ("ask_cost", 0.5)], 0.5, 0.1) == "nlu_fallback"  # two close intents


def test_threshold_choice_respects_the_safety_constraints() -> None:
    from evaluation.tune_thresholds import MAX_WRONG_ANSWER_RATE, MIN_OUT_OF_SCOPE_KEPT, ThresholdResult, choose

    wrong, kept = MAX_WRONG_ANSWER_RATE, MIN_OUT_OF_SCOPE_KEPT
    risky = ThresholdResult(0.2, 0.0, 0.95, kept - 0.1, wrong * 2, 1)  # most accurate, but too many wrong answers
    safe = ThresholdResult(0.3, 0.15, 0.89, kept, wrong, 29)
    safer = ThresholdResult(0.5, 0.0, 0.88, kept, wrong * 0.9, 35)
    assert choose([risky, safe, safer]) == safe
    assert choose([risky]) is None
    same_but_lower = ThresholdResult(0.2, 0.15, 0.89, kept, wrong, 29)
    assert choose([same_but_lower, safe]) == safe  # a tie goes to the more cautious pair


def test_without_a_pair_meeting_the_targets_only_a_pair_no_worse_on_every_measure_replaces_the_current() -> None:
    from evaluation.tune_thresholds import ThresholdResult, improve_on

    current = ThresholdResult(0.3, 0.15, 0.869, 0.898, 0.069, 28)
    dominating = ThresholdResult(0.5, 0.0, 0.869, 0.915, 0.058, 36)
    more_accurate_but_riskier = ThresholdResult(0.2, 0.0, 0.892, 0.881, 0.084, 0)
    safer_but_less_accurate = ThresholdResult(0.6, 0.0, 0.841, 0.932, 0.046, 62)
    as_good_and_more_accurate = ThresholdResult(0.2, 0.15, 0.872, 0.898, 0.069, 26)
    grid = [current, dominating, more_accurate_but_riskier, safer_but_less_accurate, as_good_and_more_accurate]
    assert improve_on(grid, (0.3, 0.15)) == dominating  # fewer wrong answers first, then accuracy
    assert improve_on([current, as_good_and_more_accurate], (0.3, 0.15)) == as_good_and_more_accurate
    assert improve_on([current, more_accurate_but_riskier, safer_but_less_accurate], (0.3, 0.15)) == current
    assert improve_on(grid, (0.35, 0.1)) is None


def test_validation_split_is_stratified_seeded_and_disjoint() -> None:
    from evaluation.tune_thresholds import stratified_split

    examples = [{"intent": intent, "text": f"{intent} {i}"} for intent in ("a", "b") for i in range(10)]
    train, validation = stratified_split(examples, 0.2, seed=7)
    assert sorted(e["intent"] for e in validation) == ["a", "a", "b", "b"]
    assert not {e["text"] for e in train} & {e["text"] for e in validation}
    assert stratified_split(examples, 0.2, seed=7) == (train, validation)


def test_a_figure_no_message_counts_shows_as_a_dash_not_nan() -> None:
    """A set without near-miss labels has no near-miss figure; the table says so instead of printing nan."""
    assert figure(float("nan")) == "–"
    assert figure(0.8494) == "0.849"
