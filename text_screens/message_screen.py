"""Spot input the FAQ model cannot answer sensibly: empty, symbols only, or not English.

Rasa's classifier always returns *some* intent. For "🙂🙂" or a question in
Spanish that intent is meaningless, and answering it would be a wrong answer,
so the actions check the text first and reply with a clear message instead.
"""

from __future__ import annotations

import enum
import re

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_LATIN_LETTER = re.compile(r"[a-zA-Z\u00C0-\u024F]")
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)

_ENGLISH_FUNCTION_WORDS = frozenset(
    """
    the a an is are was be it its this that and or but to of for in on with my i me
    you your can could do does did how what when why which who much many will would
    should after before about from have has had not no yes get at by
    """.split()
)
_FOREIGN_FUNCTION_WORDS = frozenset(
    """
    el la los las que es del por para con cuánto cuanto cuesta qué duele mi una
    puedo hacer tengo quiero está esta y sí
    le les des est pour avec combien coûte coute je mon ma une et c'est qu'est ce
    peut faire fait mal sont
    der die das ist und wie viel kostet ich mein nicht mit eine ein tut weh kann
    os não nao quanto custa eu meu uma il lo gli è costa sono mio della
    """.split()
)  # Spanish, French, German, Portuguese and Italian, one line each (roughly)


class InputProblem(enum.Enum):
    """Why a message should not be sent to the FAQ answer."""

    NONE = "none"
    EMPTY = "empty"
    NO_WORDS = "no_words"
    NOT_ENGLISH = "not_english"


def screen_message(text: str | None) -> InputProblem:
    """Classify the message text; NONE means it is fine to answer from the FAQ."""
    if text is None or not text.strip():
        return InputProblem.EMPTY
    letters = _LETTER.findall(text)
    if not letters:
        return InputProblem.NO_WORDS
    latin = sum(1 for letter in letters if _LATIN_LETTER.match(letter))
    if latin / len(letters) < 0.5:
        return InputProblem.NOT_ENGLISH
    words = [word.lower() for word in _WORD.findall(text)]
    english = sum(1 for word in words if word in _ENGLISH_FUNCTION_WORDS)
    foreign = sum(1 for word in words if word in _FOREIGN_FUNCTION_WORDS)
    if foreign >= 2 and foreign > english:
        return InputProblem.NOT_ENGLISH
    return InputProblem.NONE
