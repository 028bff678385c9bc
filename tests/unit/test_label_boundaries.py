"""The training data keeps the label boundaries docs/topic-guide.md draws between neighbouring topics.

Why: where the team's examples put the same kind of question under two labels ("can it cause scarring?"
under safety, "can it cause an infection?" under side effects), the classifier learns a coin toss, and
every evaluation set labelled from the guide counts it as a wrong answer. Each rule names words that only
one side of a boundary may use; an example that breaks it is listed with its file.
"""

from __future__ import annotations

import re

import pytest

from evaluation.labelled_data import TRAINING_DATA_DIR, load_labelled
from evaluation.systems import plain_text

# (label that must not use the words, the words, the label the guide gives them)
BOUNDARIES = [
    # ask_safety is general safety ("is it safe?", "any dangers?"); a named harm it can cause is a side effect.
    (
        "ask_safety",
        re.compile(
            # "acne scars" are what people come to treat, not a harm.
            r"\b((?<!acne )scars?|scarring|scarred|infections?|bruis\w*|pigment\w*|dark(er)? (patches|spots)|breakouts?"
            r"|milia|redness|swelling|hair loss|track marks)\b",
            re.IGNORECASE,
        ),
        "ask_side_effects",
    ),
    # ask_cost is the price; how to pay it (deposits, plans, financing, insurance) is ask_payment.
    (
        "ask_cost",
        re.compile(
            r"\b(deposits?|instal+ments?|financ\w*|klarna|afterpay|clearpay|insurance|insured|hsa|fsa"
            r"|payment plans?|monthly payments?|pay monthly)\b",
            re.IGNORECASE,
        ),
        "ask_payment",
    ),
]


@pytest.mark.parametrize(("label", "words", "guide_label"), BOUNDARIES, ids=[b[0] for b in BOUNDARIES])
def test_no_training_example_crosses_a_guide_boundary(label: str, words: re.Pattern[str], guide_label: str) -> None:
    crossing = [
        f"{path.name}: {message.text}"
        for path in sorted(TRAINING_DATA_DIR.glob("*.yml"))
        for message in load_labelled(path)
        if message.intent == label and words.search(plain_text(message.text))
    ]
    assert not crossing, f"{label} examples that docs/topic-guide.md gives to {guide_label}:\n" + "\n".join(crossing)


@pytest.mark.parametrize(("label", "words", "guide_label"), BOUNDARIES, ids=[b[0] for b in BOUNDARIES])
def test_each_boundary_has_examples_on_the_guide_side(label: str, words: re.Pattern[str], guide_label: str) -> None:
    """The rule is not vacuous: the guide's label does hold examples with those words."""
    held = [
        message.text
        for path in sorted(TRAINING_DATA_DIR.glob("*.yml"))
        for message in load_labelled(path)
        if message.intent == guide_label and words.search(plain_text(message.text))
    ]
    assert len(held) >= 3
