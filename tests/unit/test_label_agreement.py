"""The second labelling lines up with the real-world sets, and the agreement arithmetic is the textbook one."""

from __future__ import annotations

import pytest
import yaml

from evaluation.label_agreement import Agreement, cohen_kappa, groups, load_second_labels, paired
from evaluation.labelled_data import DOMAIN_FILE, LabelledMessage


def test_kappa_is_one_for_full_agreement_and_zero_for_chance() -> None:
    assert cohen_kappa(["a", "b", "a"], ["a", "b", "a"]) == 1.0
    # Each labeller says "yes" half the time, independently: agreement 0.5 is exactly chance.
    assert cohen_kappa(["y", "y", "n", "n"], ["y", "n", "y", "n"]) == pytest.approx(0.0)
    # Observed 0.8, chance 0.5: kappa 0.6.
    assert cohen_kappa(list("yyyyynnnnn"), list("yyyynynnnn")) == pytest.approx(0.6)


def test_pairs_refuse_files_that_drifted_apart() -> None:
    first = [LabelledMessage("does it hurt", "ask_pain")]
    with pytest.raises(ValueError, match="differs"):
        paired(first, [LabelledMessage("does it sting", "ask_pain")])
    with pytest.raises(ValueError, match="messages labelled"):
        paired(first, [])


def test_second_labeller_is_scored_like_the_assistant() -> None:
    pairs = [
        (LabelledMessage("a", "ask_cost", also_ok=("ask_payment",)), LabelledMessage("a", "ask_payment")),
        (LabelledMessage("b", "ask_pain"), LabelledMessage("b", "ask_procedure")),
        (LabelledMessage("c", "out_of_scope"), LabelledMessage("c", "out_of_scope")),
        (LabelledMessage("d", "report_complication"), LabelledMessage("d", "ask_after_effects_check")),
        (LabelledMessage("e", "ask_after_effects_check"), LabelledMessage("e", "report_complication")),
    ]
    agreement = Agreement.of(pairs)
    assert agreement.messages == 5
    assert agreement.same_label == pytest.approx(1 / 5)
    # FAQ questions are make eval's: every ask_* intent, the after-effects question included; also_ok counts.
    assert agreement.faq_right == pytest.approx(1 / 3)
    assert agreement.out_of_scope_kept == 1.0
    assert agreement.complications_agreed == 0.0
    assert agreement.after_effects_agreed == 0.0
    assert agreement.second_calls_complication == pytest.approx(1 / 4)
    # The assistant's wrong answer: "b" (another FAQ topic) and "d" (an FAQ topic for a report); "a" is also_ok,
    # and "e" names no FAQ topic.
    assert agreement.second_gives_other_faq == pytest.approx(2 / 5)


def test_the_second_labelling_covers_both_sets_with_known_labels() -> None:
    by_group = groups()  # raises if a text or the count differs from the set's
    assert len(by_group["real-world, whole"]) == len(by_group["real-world, dev part"]) + len(
        by_group["real-world, test part"]
    )
    intents = set(yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))["intents"])
    for messages in load_second_labels().values():
        for message in messages:
            assert message.acceptable <= intents, message.text
