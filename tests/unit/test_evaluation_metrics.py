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


def _result(
    threshold=0.5, ambiguity=0.0, margin=1.0, right=0.85, click=0.88, kept=0.9, caught=130, alarms=37, wrong=0.065
):
    from evaluation.tune_thresholds import Setting, SettingResult

    return SettingResult(
        Setting(threshold, ambiguity, margin), right, click, kept, caught, alarms, wrong, 0.05, 140, 1774
    )


def test_the_safety_margin_with_the_fallback_rule() -> None:
    from evaluation.tune_thresholds import Setting, final_intent

    def ranked(*pairs: tuple[str, float]) -> list[dict[str, object]]:
        return [{"name": name, "confidence": confidence} for name, confidence in pairs]

    ranking = ranked(("ask_pain", 0.68), ("report_complication", 0.3))
    assert final_intent(ranking, Setting(0.5, 0.0, 0.25)) == "report_complication"
    assert final_intent(ranking, Setting(0.5, 0.0, 1.0)) == "ask_pain"  # margin off
    assert final_intent(ranked(("ask_pain", 0.45), ("ask_cost", 0.3)), Setting(0.5, 0.0, 0.25)) == "nlu_fallback"


def test_a_parse_replayed_as_another_intent_reads_as_the_server_would_send_it() -> None:
    from evaluation.tune_thresholds import parse_as

    served = {
        "text": "x",
        "intent": {"name": "nlu_fallback", "confidence": 0.5},
        "intent_ranking": [
            {"name": "nlu_fallback", "confidence": 0.5},
            {"name": "ask_pain", "confidence": 0.4},
            {"name": "report_complication", "confidence": 0.3},
        ],
        "entities": [],
    }
    as_answer = parse_as(served, "ask_pain")
    assert as_answer["intent"] == {"name": "ask_pain", "confidence": 0.4}
    assert [e["name"] for e in as_answer["intent_ranking"]] == ["ask_pain", "report_complication"]
    as_fallback = parse_as(served, "nlu_fallback")
    assert [e["name"] for e in as_fallback["intent_ranking"]] == ["nlu_fallback", "ask_pain", "report_complication"]
    assert parse_as(served, "report_complication")["intent"] == {"name": "report_complication", "confidence": 0.3}


def test_a_margin_that_buys_reports_with_false_alarms_is_not_taken_while_targets_are_missed() -> None:
    """The margin trades false alarms for reports caught; with both targets missed, no trade is made."""
    from evaluation.tune_thresholds import choose_setting

    off = _result(margin=1.0, caught=126, alarms=23, wrong=0.057)
    trade = _result(margin=0.1, caught=137, alarms=38, wrong=0.053)  # the first rule's 2:1 choice
    free = _result(margin=0.3, caught=129, alarms=23, wrong=0.056)  # more reports, no more alarms
    assert choose_setting([off, trade], off) == off
    assert choose_setting([off, trade, free], off) == free


def test_thresholds_meeting_the_targets_win_on_right_answers_then_caution() -> None:
    from evaluation.tune_thresholds import MAX_WRONG_ANSWER_RATE, MIN_OUT_OF_SCOPE_KEPT, choose_setting

    wrong, kept = MAX_WRONG_ANSWER_RATE, MIN_OUT_OF_SCOPE_KEPT
    safety = {"caught": 140, "alarms": 17}  # every report of 140 escalated, under 1% of 1,774 plain messages
    current = _result()
    risky = _result(0.2, 0.0, right=0.95, kept=kept - 0.1, wrong=wrong * 2, **safety)
    safe = _result(0.3, 0.15, right=0.89, kept=kept, wrong=wrong, **safety)
    safer = _result(0.5, 0.0, right=0.88, kept=kept, wrong=wrong * 0.9, **safety)
    misses_a_report = _result(0.5, 0.05, right=0.9, kept=kept, wrong=wrong, caught=139, alarms=17)
    too_many_alarms = _result(0.5, 0.1, right=0.9, kept=kept, wrong=wrong, caught=140, alarms=18)
    assert choose_setting([current, risky, safe, safer, misses_a_report, too_many_alarms], current) == safe
    same_but_lower = _result(0.2, 0.15, right=0.89, kept=kept, wrong=wrong, **safety)
    assert choose_setting([same_but_lower, safe], current) == safe  # a tie goes to the more cautious pair


def test_without_a_pair_meeting_the_targets_only_one_no_worse_on_every_measure_replaces_the_current() -> None:
    from evaluation.tune_thresholds import choose_setting

    current = _result(0.5, 0.0, kept=0.906, wrong=0.063)
    dominating = _result(0.5, 0.05, kept=0.912, wrong=0.062)
    more_right_but_riskier = _result(0.2, 0.0, right=0.875, kept=0.883, wrong=0.088)
    safer_but_fewer_answers = _result(0.6, 0.0, right=0.822, kept=0.924, wrong=0.055)
    more_alarms = _result(0.4, 0.2, kept=0.95, wrong=0.05, alarms=40)
    grid = [current, dominating, more_right_but_riskier, safer_but_fewer_answers, more_alarms]
    assert choose_setting(grid, current) == dominating
    assert choose_setting([current, more_right_but_riskier, safer_but_fewer_answers], current) == current
    same_figures = _result(0.5, 0.1, kept=0.906, wrong=0.063)
    assert choose_setting([same_figures, current], current) == current  # a move must buy something


def test_a_figure_no_message_counts_shows_as_a_dash_not_nan() -> None:
    """A set without near-miss labels has no near-miss figure; the table says so instead of printing nan."""
    assert figure(float("nan")) == "–"
    assert figure(0.8494) == "0.849"


def test_real_peoples_words_can_veto_a_move_the_blind_written_set_chose() -> None:
    """A setting chosen on the blind-written set stays only if the real-world validation set does not lose by it."""
    from evaluation.tune_thresholds import Setting, confirmed_on_real_words

    current, chosen = Setting(0.5, 0.0, 1.0), Setting(0.5, 0.05, 1.0)

    class RealWords:
        def __init__(self, **chosen_figures: float) -> None:
            self.figures = {current: _result(0.5, 0.0), chosen: _result(0.5, 0.05, **chosen_figures)}

        def result(self, setting: Setting):
            return self.figures[setting]

    assert confirmed_on_real_words(chosen, current, RealWords(wrong=0.06)) == chosen  # no worse anywhere
    assert confirmed_on_real_words(chosen, current, RealWords(wrong=0.06, alarms=38)) == current  # one more alarm
    assert confirmed_on_real_words(current, current, RealWords()) == current
