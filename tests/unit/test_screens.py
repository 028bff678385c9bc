"""Complication reports and unusable input are recognised before any FAQ answer."""

from __future__ import annotations

import pytest

from text_screens.complication_screen import Urgency, complication_urgency
from text_screens.message_screen import InputProblem, screen_message


@pytest.mark.parametrize(
    "text",
    [
        "my face has yellow pus coming out 3 days after microneedling",
        "I did the derma roller at home and now I have a fever and chills",
        "the redness on my cheeks is spreading and it's hot to the touch",
        "my forehead keeps bleeding since this morning's session",
        "i came out in hives after the serum they used",
        "the numbing cream left a burning rash on my face",
        "my face is burning and swollen 3 days after microneedling",
        "I think I'm having an allergic reaction to the treatment",
        "two days on, the swelling on my cheeks is even worse than yesterday",
        "my soreness has got a lot worse since the session",
        "got it done on monday, now there is pus along the jawline",
        "had 0.5 mm done last week and the swelling is getting worse",
        # Warning signs stay urgent however calmly they are asked about.
        "I have a rash since my session yesterday, is that normal?",
        "my cheeks have been itchy and crusting since the treatment, is this expected?",
        # Problems tied to the treated area, without a symptom word.
        "my hair started falling out where I used the derma roller",
        "I now have scars from my microneedling treatment",
        "a few days after needling my scalp I noticed bald patches",
        # Complaints about the outcome, with or without a symptom word.
        "Microneedling Ruined My Skin",
        "my face looks worse since the dermapen session",
        "How to Repair Damaged Skin from Microneedling?",
        "Am I allergic to the serum they used?",
    ],
)
def test_first_person_red_flags_are_urgent(text: str) -> None:
    """Red flags, warning signs after a treatment and problems tied to the treated area escalate."""
    assert complication_urgency(text) is Urgency.URGENT


@pytest.mark.parametrize(
    "text",
    [
        "after my treatment my lips are swelling and I have trouble breathing",
        "my throat feels tight since the microneedling",
        "I feel faint and dizzy after the session",
    ],
)
def test_severe_signs_are_emergencies(text: str) -> None:
    assert complication_urgency(text) is Urgency.EMERGENCY


@pytest.mark.parametrize(
    "text",
    [
        "can microneedling cause an infection?",
        "will I get a fever afterwards?",
        "is bruising normal after microneedling",
        "what are the side effects",
        "does it hurt",
        "I have a rash on my cheek, can I still get microneedling?",
        "will my face swell after the treatment?",
        "I get itchy skin sometimes, is it ok for me?",
        "had it done yesterday, is a bit of redness normal?",
        # Expected effects asked about calmly: the after-effects answer, not escalation.
        "tiny bumps on my face the day after microneedling, is this normal?",
        "slight swelling the next morning after microneedling, is this ok?",
        "my eyes look a bit puffy the morning after my session, should I be worried?",
        # Hair loss or scars not tied to a treatment are questions about what it can do.
        "my hair is falling out since I had a baby, can microneedling help?",
        "acne left me with scars, would microneedling help?",
        # The same words as a general question, or unrelated to a treatment.
        "can microneedling ruin your skin?",
        "my melasma got worse after my pregnancy, can microneedling help?",
        "I'm allergic to lidocaine, can you numb me with something else?",
        "my acne scars look worse in winter, would microneedling help",
    ],
)
def test_general_questions_are_not_reports(text: str) -> None:
    assert complication_urgency(text) is Urgency.NONE


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", InputProblem.EMPTY),
        ("   \n\t", InputProblem.EMPTY),
        (None, InputProblem.EMPTY),
        ("🙂🙂👍", InputProblem.NO_WORDS),
        ("??? !!! 123", InputProblem.NO_WORDS),
        ("¿Cuánto cuesta el microneedling? ¿Duele mucho?", InputProblem.NOT_ENGLISH),
        ("Est-ce que le microneedling fait mal pour les cicatrices?", InputProblem.NOT_ENGLISH),
        ("Wie viel kostet das Microneedling und tut es weh?", InputProblem.NOT_ENGLISH),
        ("微针治疗疼吗？", InputProblem.NOT_ENGLISH),
        ("Сколько стоит микронидлинг?", InputProblem.NOT_ENGLISH),
        ("does microneedling hurt? 😬", InputProblem.NONE),
        ("microneedling la price?", InputProblem.NONE),
        ("how much is a session with 0.5 mm", InputProblem.NONE),
    ],
)
def test_message_screen(text, problem) -> None:
    assert screen_message(text) is problem
