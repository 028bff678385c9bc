"""Recognise a message that describes a complication after treatment.

The NLU model has a ``report_complication`` intent; this screen is the second
line of defence so that a first-person description of red-flag symptoms never
gets an FAQ answer, even when the classifier picked an FAQ topic. It only decides
*whether* to escalate and *how urgently*; it never names a cause or diagnosis.
"""

from __future__ import annotations

import enum
import re

_SEVERE = re.compile(
    r"can'?t breathe|cannot breathe|can not breathe|(trouble|difficulty|hard to) breath"
    r"|short(ness)? of breath|struggling to breathe|wheez"
    r"|(throat|tongue|lips?) ((is|are|was|were|feels?|felt|keeps?|kept|started|starting|began|beginning) ){0,2}(to )?"
    r"(swell|swollen|closing|tight)"
    r"|swollen (throat|tongue|lips?)|swelling (of|in) (my )?(throat|tongue|lips?)"
    r"|faint|passed out|pass(ing)? out|dizzy|chest pain|anaphyla",
    re.IGNORECASE,
)
# "Faint" that is not fainting now: a fear of needles told as history ("I faint at the sight of needles",
# "I fainted at a blood test once", "scared I'll faint") or the adjective ("a faint bruise"). Those
# phrases (and the adverb "faintly") are taken out before the severe signs are looked for, so "I fainted
# after the session" stays.
_NOT_FAINTING_NOW = re.compile(
    r"\bfaint(s|ed|ing)? (at|when i see|when i saw|over) (the )?(sight|thought|blood|needles?|injections?|jabs?"
    r"|a blood test)\b"
    r"|\b(scared|afraid|worried|frightened|nervous|terrified) (of|that i'?ll|i'?ll|i might|i'?d|i will) (\w+ )?faint"
    r"(ing)?\b"
    r"|\bfaint (yellow|brown|pink|red|bruis|marks?|lines?|redness|glow|scars?|trace|outline|dots?|spots?)\w*"
    r"|\bfaintly\b",
    re.IGNORECASE,
)
_RED_FLAGS = re.compile(
    r"\bpus\b|pussy discharge|ooz|yellow crust|discharge"
    r"|fever|chills|red streaks?|streaks"
    r"|(hot|warm) to (the )?touch"
    r"|spreading|getting worse|gets worse|worse (and worse|every day|each day)"
    r"|(won'?t|will not|doesn'?t|does not|can'?t|cannot) stop bleeding"
    r"|bleeding (won'?t|will not|doesn'?t|does not) stop|(keeps?|kept) (on )?bleeding|still bleeding"
    r"|bleeding and bleeding"
    # The same signs in other words: oozing told as weeping, a streak as a line of red, spreading as a
    # patch that grows or darkens, fever as aching all over.
    r"|\bweep(s|ing|y)\b|\blines? of red\b|\bred lines? (going|running|moving|spreading|creeping)"
    r"|\b(patch|spot|area|redness|rash|bump|lump|swelling|bruise|blotch|mark)(es|s)?\b[^.?!]{0,25}?"
    r"\b(grown|growing|got bigger|getting bigger|gets bigger)\b"
    r"|\b(getting|keeps? getting) darker\b|\bdarker and darker\b"
    r"|\bachy\b|\baching all over\b|\bbody aches?\b|\bflu-?like\b"
    r"|\bhives|blister|infected|allergic reaction|severe (pain|swelling)|swollen shut"
    r"|\b(bad|severe|strange|weird|horrible|terrible) reaction|\bhaving a reaction"
    r"|(pain|swelling|redness|soreness|rash) (is |are |has |have )?(got(ten)? |getting |become )?"
    r"(way |much |a lot |even |far |so much )?worse",
    re.IGNORECASE,
)
# Signs the seeds list as expected in the first days (swelling, tenderness like a
# sunburn): reported after a treatment they escalate, but asked about calmly
# ("a bit swollen the next morning, is that normal?") they get the after-effects
# answer, which names the warning signs and the clinic's phone.
_EXPECTED_SIGNS = re.compile(r"burning|\bburns?\b|swollen|swelling|swell(ing)? up|bumps|puff", re.IGNORECASE)
# Signs the seeds do not list as expected: escalate after a treatment however calmly asked.
_WARNING_SIGNS = re.compile(r"\brash|blister|\bitch|crust|scab|throbbing", re.IGNORECASE)
# Problems that need no symptom word the lists know: hair loss or new scars,
# escalated only when tied to the treatment ("since I rolled", "where I was
# needled"), so "acne left me with scars, can it help?" stays a question.
_TREATED_AREA_PROBLEMS = re.compile(
    r"\bhair\b.{0,30}\b(falling|fall|falls|fell|coming|came|shedding) out|bald (patch|patches|spots?)|hair loss"
    r"|\b(new|now (i )?(have|got)) (\w+ ){0,2}scars?\b|\bscars? (from|since|after) (my|the)\b",
    re.IGNORECASE,
)
_TIED_TO_TREATMENT = re.compile(
    r"\b(since|after|from|following|where)\b[^.?!,;]{0,30}"
    r"(roll|needl|treat|session|\bpen\b|procedure|appointment|derma)",
    re.IGNORECASE,
)
# Complaints about how a treatment turned out: a report whether or not a symptom
# is named ("it ruined my skin", "my face looks worse since the session").
_COMPLAINTS = re.compile(
    r"\bruin(ed|s)?\b|\bbotched\b|\b(went|gone) wrong|\bdamaged (my |the )?(skin|face|scalp)"
    r"|\b(skin|face) (is|was|got|been) damaged|\ballergic to (the|this|that|their|your)\b|\bburn(ed|t)? my\b",
    re.IGNORECASE,
)
_WORSE_SINCE = re.compile(r"\b(look|looks|looked|got|gotten|is|became|getting|went) (\w+ )?worse\b", re.IGNORECASE)
_TREATMENT_WORD = re.compile(r"micro-?needl|derma ?(roll|pen|stamp)|collagen induction|skin needling", re.IGNORECASE)
_CALM_NORMALITY_QUESTION = re.compile(
    r"\b(is|was|are)( (this|that|it|these|those|they|this all))? (normal|expected|ok|okay|fine|typical|usual)\b"
    r"|^\s*why (do|does|is|am|are|did)\b"
    r"|\bnormal\?|\bshould i (be )?(worry|worried|concerned)\b|\bpart of the (process|healing)\b"
    r"|\bsupposed to\b|^\s*should (my|your|the) (skin|face)\b",
    re.IGNORECASE,
)
# Other calm ways of asking whether an effect is the usual one or will pass: "is that the usual
# reaction?", "will they fade by themselves?", "does that settle down?", "just checking that's fine".
# They count as calm only without a word that makes the effect more than mild (_BEYOND_MILD).
_PASSING_EFFECT_QUESTION = re.compile(
    r"\b(is|was|are) (this|that|it|these|those|they)( all)? (as |the |a |an )?(normal|expected|usual|typical|common)\b"
    r"|\b(will|would|does|do|should|is) (it|this|that|they|these|those|the \w+|my \w+)( \w+)? "
    r"(fade|settle|calm|go down|go away|clear|subside|flatten|pass|heal)\b"
    r"|\b(checking|making sure|confirm) (that's|thats|that is|this is|it's|its|it is) (fine|ok|okay|normal|expected)\b",
    re.IGNORECASE,
)
_OWN_SESSION = re.compile(r"\b(my|the|first|second|last|this|that) (session|treatment|appointment|procedure)\b", re.I)
# Another treatment named, and nothing of microneedling: "I had a TCA peel and now
# dark spots", "my lips swelled after filler". (A vampire facial or RF
# microneedling is microneedling.)
_OTHER_TREATMENT = re.compile(
    r"\btca\b|\b(chemical|glycolic|jessner'?s?|lactic|salicylic|acid|vi)( \d+ ?%)? peel"
    r"|\b(had|got|did) an? (\w+ )?peel\b|\bmy peel\b|\bpeel done\b"
    r"|\bfillers?\b|\bbotox\b|\bdysport\b|\brogaine\b|\bminoxidil\b|\bpdgf\b"
    r"|\binjections?\b|\bphotofacial|\btattoo|\bmicroblad|\bipl\b|\blaser hair removal\b|\bhydrafacial\b|\bdermaplan"
    r"|\bmicrodermabrasion|\bderma ?sweep|\bwax(ing|ed)\b|\bthreading\b|\bkybella\b|\bsculptra\b"
    r"|\blasers?\b|\bfraxel\b|\bco2\b|\bspray tan|\bpermanent make-?up"
    r"|\bbrow (lamination|tint)|\blash (lift|extension)"
    r"|\bpiercings?\b|\bpierced\b|\bwarts?\b|\bcryotherapy\b|\belectrolysis\b|\bprofhilo\b|\bskin boosters?\b"
    r"|\b(enzyme|oxygen|hydra) facial|\bhair dye|\bdetergent\b",
    re.IGNORECASE,
)
_MICRONEEDLING_TOO = re.compile(
    r"micro-?needl|microchannel|derma ?(roll|pen|stamp)|dermapen|collagen induction|skin needling|\bneedling\b"
    r"|vampire facial|morpheus|rf microneedling",
    re.IGNORECASE,
)
_SINCE_TREATMENT = re.compile(
    r"\b(after|since|following|post|yesterday|ago|last night|this morning|left (me|a|my))\b",
    re.IGNORECASE,
)
_FIRST_PERSON = re.compile(r"\b(i|i'm|im|i've|ive|my|me|mine)\b", re.IGNORECASE)
# Chat often drops the pronoun: "had 1 mm done friday, now the pain is worse".
_OWN_TREATMENT = re.compile(
    r"^\s*(had|got|did) (it |mine |my |the |a |an )?[\w. -]{0,20}\b(done|needled)\b", re.IGNORECASE
)
# Harm told as a story, first or third person: "she was left with scarring after a Morpheus8 session",
# "a friend ended up in hospital with an infection". The scars people come to treat (acne, old,
# pitted) are not harm; "suffered from" is left out for the same reason ("suffered from acne scars").
_NARRATED_HARM = re.compile(
    r"\b(left (her|him|them|me|us|my|his)|(was|were|been|be) left|ended up|wound up|developed|came down with"
    r"|landed (her|him|them|me) in)\b[^.?!]{0,60}?"
    r"\b(?<!acne )(?<!old )(?<!existing )(?<!pitted )(scar(s|ring|red)?|infections?|infected|burns?|burned|burnt"
    r"|welts?|blisters?|granulomas?|hospital|a&e|emergency room|deformed|disfigured|inflamed|marks)\b",
    re.IGNORECASE,
)
# The after-effects the seeds call expected in the first days, and words that say they are mild.
_EXPECTED_AFTER_EFFECTS = re.compile(
    r"\b(red|redness|pink|pinkness|flushed|swollen|swelling|puffy|puffiness|tight|tightness|dry|dryness"
    r"|flak(y|ing|es)|peel(ing|s)?|sunburn(t|ed)?|tender|sensitive|warm|bruis(e|es|ed|ing)|pinpoint)\b",
    re.IGNORECASE,
)
_MILD = re.compile(
    r"\b(a (bit|little|tad)|slight(ly)?|mild(ly)?|minor|somewhat|kind of|kinda|a touch)\b", re.IGNORECASE
)
# Words that make an expected effect a warning sign: more than mild, long-lasting, or frightening.
_BEYOND_MILD = re.compile(
    r"\b(so|very|really|extremely|super|severe(ly)?|huge|massive|whole face|entire|can'?t|cannot|barely|worst"
    r"|terrible|horrible|awful|excruciating|unbearable|agony|monster|deformed|scared|worried|weeks?|months?"
    r"|still|not going down|won'?t go|hasn'?t gone|purple|hard|lumps?|hot)\b",
    re.IGNORECASE,
)
# Effects told in weeks or months have outlasted the first days the seeds describe.
_LASTING = re.compile(r"\b(weeks?|months?|years?)\b", re.IGNORECASE)
_HYPOTHETICAL_OPENING = re.compile(
    r"^\s*(will|would|could|can|might|may|does|do|is it possible|what if|how likely)\b",
    re.IGNORECASE,
)


class Urgency(enum.Enum):
    """How the escalation message should lead."""

    NONE = "none"
    URGENT = "urgent"
    EMERGENCY = "emergency"


def emergency_signs(text: str) -> bool:
    """Symptoms that call for emergency services, whoever they are described for."""
    return bool(_SEVERE.search(_NOT_FAINTING_NOW.sub(" ", text)))


def names_microneedling(text: str) -> bool:
    """Does the message name microneedling in any of its forms (roller, pen, RF, vampire facial...)?"""
    return bool(_MICRONEEDLING_TOO.search(text))


def about_another_treatment(text: str) -> bool:
    """Does the message name another treatment and nothing of microneedling?

    A problem after a peel or a filler still needs checking, but by whoever did that
    treatment: the reply says this chat covers microneedling and points to them, a
    doctor or the emergency number, rather than the clinic's microneedling escalation.
    """
    return bool(_OTHER_TREATMENT.search(text)) and not _MICRONEEDLING_TOO.search(text)


# What rules out calm: any of these, or emergency signs, means the message is not "only expected effects".
_WARNINGS = (_RED_FLAGS, _WARNING_SIGNS, _COMPLAINTS, _TREATED_AREA_PROBLEMS)


def _names_a_warning(text: str, *more: re.Pattern[str]) -> bool:
    """Emergency signs, a red flag, a warning sign, a complaint or a problem in the treated area (or ``more``)."""
    return emergency_signs(text) or any(pattern.search(text) for pattern in (*_WARNINGS, *more))


def calm_after_effect_question(text: str) -> bool:
    """A calm "is this normal?" with no warning sign, red flag, complaint or problem in the treated area.

    Used when the classifier read such a message as a complication report: the
    person gets the after-effects answer (expected effects, the warning signs, the
    clinic's phone and the emergency number) instead of an alarm.
    """
    if _names_a_warning(text):
        return False
    if "?" in text and _CALM_NORMALITY_QUESTION.search(text):
        return True
    # The newer forms also need the treatment named ("after my session", "since the microneedling"): "bumps
    # after Profhilo, do they flatten out?" is about something else and keeps its safety reply.
    named = _MICRONEEDLING_TOO.search(text) or _OWN_SESSION.search(text)
    return bool(named and _PASSING_EFFECT_QUESTION.search(text)) and not _BEYOND_MILD.search(text)


def mild_expected_effects_report(text: str) -> bool:
    """A calm account of only the effects the seeds call expected, said to be mild, with no warning sign.

    "Right after my session my skin was a bit red and slightly swollen, like a mild sunburn" is what
    the after-effects answer describes; it gets that answer, which lists the warning signs and the
    clinic's phone, rather than an alarm. Anything beyond mild (intensity, duration, fear), any
    warning sign, red flag, complaint or problem in the treated area keeps the escalation.
    """
    expected_and_mild = _EXPECTED_AFTER_EFFECTS.search(text) and _MILD.search(text)
    return bool(expected_and_mild) and not _names_a_warning(text, _BEYOND_MILD)


def complication_urgency(text: str) -> Urgency:
    """Escalation level for a message that reports a problem, else NONE.

    Severe signs escalate on their own. Red flags escalate unless the message
    asks a hypothetical ("will I get a fever?"), with or without a pronoun.
    Milder signs escalate only when the person reports them about themselves as
    happening since a treatment, so
    "I have a rash, can I still book?" is still answered as a question about who
    should avoid microneedling; of those, the expected ones (swelling, burning)
    asked about calmly ("is this normal?") are left to the after-effects answer.
    A complaint about the outcome ("it ruined my skin", "looks worse since the
    session") escalates like a symptom, and so does harm told as a story, about
    anyone ("she was left with scarring after a Morpheus8 session").
    """
    return _urgency(text, with_expected_signs=True)


def escalates_on_expected_signs_only(text: str) -> bool:
    """Does the screen escalate only because of signs the seeds call expected, or skin "looking worse"?

    Such a message ("a few tiny bumps two days after microneedling, is that the healing?",
    "skin looks worse after microneedling, is that normal?") is the one the words alone
    cannot grade: the same words tell a calm question and a worried report apart only by
    their register, which is what the classifier learned. The actions let its reading of
    an after-effects question decide those, and only those; a red flag, a warning sign, a
    complaint, narrated harm or an emergency sign always escalates, and so does anything told
    in weeks or months: the seeds expect these effects for days.
    """
    return (
        _urgency(text, with_expected_signs=True) is Urgency.URGENT
        and _urgency(text, with_expected_signs=False) is Urgency.NONE
        and not _LASTING.search(text)
    )


def _urgency(text: str, with_expected_signs: bool) -> Urgency:
    """complication_urgency, optionally without its two expected-sign rules (skin worse since, swelling, bumps)."""
    if emergency_signs(text):
        return Urgency.EMERGENCY
    if _HYPOTHETICAL_OPENING.search(text):
        return Urgency.NONE
    # Red flags need no pronoun: "day 4 and the swelling is getting worse" is a report.
    if _RED_FLAGS.search(text):
        return Urgency.URGENT
    tied_to_treatment = bool(_TIED_TO_TREATMENT.search(text))
    harm = _NARRATED_HARM.search(text)
    # The treatment comes first in the story ("the microneedling left her with burns"), or the harm
    # is dated from it; "acne left me with scars, could microneedling help?" names it only after.
    if harm and (tied_to_treatment or _MICRONEEDLING_TOO.search(text[: harm.start()])):
        return Urgency.URGENT
    first_person = bool(_FIRST_PERSON.search(text))
    if _COMPLAINTS.search(text) and (first_person or tied_to_treatment or _TREATMENT_WORD.search(text)):
        return Urgency.URGENT
    if with_expected_signs and _WORSE_SINCE.search(text) and tied_to_treatment:
        return Urgency.URGENT
    if not (first_person or _OWN_TREATMENT.search(text)):
        return Urgency.NONE
    if _TREATED_AREA_PROBLEMS.search(text) and tied_to_treatment:
        return Urgency.URGENT
    if not _SINCE_TREATMENT.search(text):
        return Urgency.NONE
    if _WARNING_SIGNS.search(text):
        return Urgency.URGENT
    if (
        with_expected_signs
        and _EXPECTED_SIGNS.search(text)
        and not (
            _CALM_NORMALITY_QUESTION.search(text)
            or calm_after_effect_question(text)
            or mild_expected_effects_report(text)
        )
    ):
        return Urgency.URGENT
    return Urgency.NONE
