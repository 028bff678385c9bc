"""Decide whether a question is about another treatment only, so no microneedling answer fits.

"How many sessions will it take to remove my tattoo?" reads like the sessions
question, and the classifier may well pick that topic; but microneedling plays
no part in it, and the microneedling sessions answer would mislead. Such a
question gets the scope message instead.

Questions that *relate* another treatment to microneedling stay in scope: a
comparison ("does it hurt as much as waxing?", "acid peel or needles?"), a
combination ("can I have it with Botox the same week?"), and the topics whose
answer is about exactly that relation (the laser and peel comparisons,
combining treatments, hair growth with minoxidil).
"""

from __future__ import annotations

import re

from text_screens.complication_screen import about_another_treatment, names_microneedling

# Topics whose answer relates microneedling to other treatments: another treatment
# named in the question is what the answer is about.
RELATION_TOPICS = frozenset({"ask_compare_laser", "ask_compare_peel", "ask_combinations", "ask_hair_growth"})
# "Is this normal after my TCA peel, or should I worry?": a question about one's skin after
# another treatment is out of scope whatever its wording.
AFTER_EFFECTS_TOPIC = "ask_after_effects_check"

# Wording that relates two things: with these the question is read as a comparison or a
# combination with microneedling ("it"), which the FAQ answers.
_RELATES_TREATMENTS = re.compile(
    r"\b(vs\.?|versus|compared?|comparison|comparing|than|as much as|instead of|or|combin\w*|together"
    r"|alongside|along with|with|same (day|week|time|session))\b",
    re.IGNORECASE,
)


def only_about_another_treatment(text: str, topic: str) -> bool:
    """True when ``text`` asks about another treatment alone, so the FAQ ``topic`` would not answer it.

    Only treatments named without any microneedling word count (``about_another_treatment``);
    a topic about how treatments relate, or wording that compares or combines, keeps the answer.
    """
    if topic in RELATION_TOPICS or not about_another_treatment(text):
        return False
    return topic == AFTER_EFFECTS_TOPIC or not _RELATES_TREATMENTS.search(text)


# The two comparisons the FAQ answers, by what the other side of the comparison is.
_LASER_FAMILY = re.compile(
    r"\b(lasers?|lazers?|fraxel|co2|ipl|photofacial|bbl|picosure|pico|halo|erbium|clear ?\+? ?brilliant|resurfacing)\b",
    re.IGNORECASE,
)
_PEEL = re.compile(r"\bpeels?\b", re.IGNORECASE)
# Wording that compares (not "with" or "combined", which ask about a combination).
_COMPARES = re.compile(
    r"\b(vs\.?|versus|compared?|comparison|comparing|than|or|as good as|as effective as|instead of"
    r"|differen(ces?|t)|better|which)\b",
    re.IGNORECASE,
)


def compared_treatment_topic(text: str) -> str | None:
    """The comparison topic when ``text`` compares microneedling with a laser or with a peel, else None.

    "IPL or microneedling for sun damage?", "is dermapen as good as fraxel": the classifier can read
    the other treatment's name as out of scope, but a comparison with microneedling is exactly what
    the laser and peel answers are about. Both a laser and a peel named: unclear, None.
    """
    if not (names_microneedling(text) and _COMPARES.search(text)):
        return None
    laser, peel = bool(_LASER_FAMILY.search(text)), bool(_PEEL.search(text))
    if laser == peel:
        return None
    return "ask_compare_laser" if laser else "ask_compare_peel"
