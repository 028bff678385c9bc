"""Complication reports and unusable input are recognised before any FAQ answer."""

from __future__ import annotations

import pytest

from text_screens.complication_screen import (
    Urgency,
    about_another_treatment,
    calm_after_effect_question,
    complication_urgency,
    emergency_signs,
    escalates_on_expected_signs_only,
    mild_expected_effects_report,
)
from text_screens.message_screen import InputProblem, screen_message
from text_screens.treatment_scope import compared_treatment_topic, only_about_another_treatment


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
        # The same warning signs in other words: oozing as weeping, a streak as a line of red, spreading as a
        # patch that grows or darkens, fever as aching all over, bleeding that will not stop.
        "my cheeks are weeping clear stuff on day 3",
        "there's a line of red running from the spot towards my ear",
        "a red patch on my cheek that has grown since yesterday",
        "the dark patches from the treatment keep getting darker",
        "day 4 after the pen, red cheeks and I feel achy",
        "it just kept bleeding after the dermapen",
        "the microneedling left me with marks all over my cheeks",
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
        "acne left me with marks, can microneedling help?",
        "my hair has grown back thicker since I started rolling",
        "my pores look bigger since the session, is that normal?",
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


@pytest.mark.parametrize(
    ("text", "other"),
    [
        ("I had a TCA peel last week and now the redness is spreading", True),
        ("2 days post TCA 20% peel and I think I have done damage", True),
        ("after my glycolic 30% peel my skin is raw", True),
        ("my lips got lumpy after filler and it's getting worse", True),
        ("since my botox my eyelid droops and it's getting worse", True),
        ("I had microneedling and a chemical peel, now there's pus", False),
        ("after my vampire facial my face is hot to the touch", False),
        ("my dermapen session left me with spreading redness", False),
        ("is microneedling better than a chemical peel?", False),
        ("my new ear piercing is swollen and throbbing", True),
        ("had a wart frozen off and now there's a blister", True),
        ("my scalp burns since I used a new hair dye", True),
        ("hives all over after a new laundry detergent", True),
        ("little bumps since my Profhilo injections", True),
        ("red dots where I had electrolysis, getting worse", True),
        ("microneedling over a wart: is that allowed?", False),
    ],
)
def test_another_treatment_named_without_microneedling(text: str, other: bool) -> None:
    assert about_another_treatment(text) is other


@pytest.mark.parametrize(
    ("text", "calm"),
    [
        ("Why does my face burn after microneedling?", True),
        ("my skin is tight and a bit dry two days later, is that normal?", True),
        ("Are you supposed to bleed a little when microneedling?", True),
        ("is it normal to have pus two days after?", False),  # a red flag, however calmly asked
        ("I have an itchy rash since my session, is that normal?", False),  # a warning sign
        ("my eyes are swollen shut, I was told it was normal", False),  # no question, and a red flag
        ("I'm having a reaction since the session, is this normal?", False),
        ("my face is red after my session", False),  # a report, not a question
        # Asking whether it is the usual reaction or will pass, with the treatment named.
        ("Woke up puffy after microneedling. Doesn't hurt. Does that settle down?", True),
        ("First session was yesterday and there are tiny red dots on my cheeks. Will they fade by themselves?", True),
        ("I had my session yesterday and I'm pink and tight. Is that all as expected?", True),
        ("Pink and a bit dry after my treatment, just checking that's fine.", True),
        ("Got little bumps after Profhilo, do they flatten out?", False),  # not about microneedling
        ("Still red and swollen two weeks after my session. Will it go down?", False),  # lasting: a warning
        ("My face is so swollen after microneedling, will it go down?", False),  # more than mild
    ],
)
def test_calm_after_effect_questions(text: str, calm: bool) -> None:
    assert calm_after_effect_question(text) is calm


def test_a_complication_read_by_the_classifier_but_asked_calmly_gets_the_after_effects_answer(knowledge) -> None:
    import asyncio

    from actions.actions import ActionEscalateComplication
    from tests.conftest import make_tracker, run_action

    calm = make_tracker("Why does my face burn after microneedling?", "report_complication")
    messages, _ = asyncio.run(run_action(ActionEscalateComplication(), calm))
    assert messages[0]["text"] == knowledge.faqs["ask_after_effects_check"].answer
    report = make_tracker("my face is burning and red since my session", "report_complication")
    messages, _ = asyncio.run(run_action(ActionEscalateComplication(), report))
    assert knowledge.urgent_escalation in [m["text"] for m in messages]
    peel = make_tracker("I had a TCA peel a week ago and the redness is spreading", "report_complication")
    messages, _ = asyncio.run(run_action(ActionEscalateComplication(), peel))
    assert [m["text"] for m in messages] == [knowledge.messages["other_treatment_problem"]]
    assert knowledge.clinic.emergency_number in messages[0]["text"]
    severe = make_tracker("after my filler my throat feels tight and I can't breathe", "report_complication")
    messages, _ = asyncio.run(run_action(ActionEscalateComplication(), severe))
    assert messages[0]["text"] == knowledge.emergency_escalation  # severe signs: always the full advice


@pytest.mark.parametrize(
    ("text", "topic", "only_other"),
    [
        ("How many sessions will it take to remove my tattoo?", "ask_sessions", True),
        ("Is a Hydrafacial worth it?", "ask_benefits", True),
        ("how long do botox results last", "ask_results", True),
        ("how long does a spray tan last?", "ask_results", True),
        ("how much is laser resurfacing?", "ask_cost", True),
        ("is laser better for acne scars?", "ask_compare_laser", False),
        ("my lips got lumpy after filler, is that normal or not?", "ask_after_effects_check", True),
        ("does it hurt as much as waxing", "ask_pain", False),
        ("which is gentler, acid peel or needles", "ask_pain", False),
        ("can you do it with a hydrafacial on the same day", "ask_procedure", False),
        ("is microneedling better than botox for wrinkles?", "ask_benefits", False),
        ("and vs a chemical peel?", "ask_compare_peel", False),
        ("should I roll my scalp before applying minoxidil", "ask_hair_growth", False),
        ("how many sessions do I need for acne scars?", "ask_sessions", False),
    ],
)
def test_question_only_about_another_treatment(text: str, topic: str, only_other: bool) -> None:
    assert only_about_another_treatment(text, topic) is only_other


@pytest.mark.parametrize(
    ("text", "mild"),
    [
        ("right after my session my skin was a bit red and slightly swollen, like a mild sunburn", True),
        ("woke up a little puffy and pink the day after my dermapen", True),
        ("my face feels slightly tight and dry today after needling", True),
        ("my face is a bit red but it's hot and getting worse after microneedling", False),
        ("a little swelling but now there are yellow crusts", False),
        ("slightly red and itchy bumps since my session", False),
        ("still a bit swollen two weeks after microneedling", False),
        ("my face is so swollen and a bit red after yesterday's session", False),
        ("my face is red and swollen after microneedling", False),
        ("a bit red, and my lips are starting to swell", False),
    ],
)
def test_mild_account_of_expected_effects(text: str, mild: bool) -> None:
    """Only a calm account of expected effects, said to be mild, skips the alarm; every warning keeps it."""
    assert mild_expected_effects_report(text) is mild
    if mild:
        assert complication_urgency(text) is Urgency.NONE


@pytest.mark.parametrize(
    "text", ["My lips were swelling up and felt firm", "my tongue started to swell", "my throat felt tight"]
)
def test_lip_tongue_or_throat_swelling_is_an_emergency_however_told(text: str) -> None:
    assert emergency_signs(text)
    assert complication_urgency(text) is Urgency.EMERGENCY


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("IPL or needling for sun damage", "ask_compare_laser"),
        ("I'm deciding between Fraxel and micro-needling. What are the key differences?", "ask_compare_laser"),
        ("is Fraxel better than dermapen", "ask_compare_laser"),
        ("peel or dermapen for uneven skin tone", "ask_compare_peel"),
        ("can I have laser hair removal with microneedling the same week?", None),  # a combination
        ("is fraxel better than IPL", None),  # no microneedling
        ("microneedling, laser or a peel: which is best?", None),  # both sides: unclear
    ],
)
def test_comparison_with_microneedling(text: str, topic: str | None) -> None:
    assert compared_treatment_topic(text) == topic


@pytest.mark.parametrize(
    ("text", "emergency"),
    [
        ("I fainted after the session and I still feel dizzy", True),
        ("I feel faint since the treatment", True),
        ("she fainted during her microneedling", True),
        ("I faint at the sight of needles, will I cope with microneedling?", False),
        ("I fainted at a blood test once, does microneedling hurt?", False),
        ("I'm scared I'll faint, can I lie down during the session?", False),
        ("there's a faint yellow bruise under my eye after the pen", False),
        ("a faint yellowish bruise and faintly pinkish cheeks after the pen", False),  # the colour's -ish too
        ("I felt faint and yellowish after the session", True),
    ],
)
def test_fainting_now_is_an_emergency_but_a_fear_of_needles_or_a_faint_mark_is_not(text: str, emergency: bool) -> None:
    assert emergency_signs(text) is emergency


@pytest.mark.parametrize(
    ("text", "expected_signs_only"),
    [
        # Escalated only by the expected-sign rules: skin "looking worse" since the treatment, swelling, bumps.
        ("Skin looks worse after microneedling - is that normal?", True),
        ("Two days after microneedling I've got a few tiny bumps on my cheeks. Is that the healing?", True),
        ("my face is swollen since my session", True),
        # Anything else that escalates keeps its escalation whatever the classifier reads.
        ("my face is swollen and hot to the touch since my session", False),  # a red flag
        ("I have an itchy rash since my session, is that normal?", False),  # a warning sign
        ("the microneedling ruined my skin, it looks worse since", False),  # a complaint
        ("my lips are swelling up after microneedling", False),  # an emergency sign
        ("my face looks worse since the session three weeks ago, is that normal?", False),  # beyond the first days
        # Not escalated at all.
        ("Why does my face burn after microneedling?", False),
        ("how much does microneedling cost?", False),
    ],
)
def test_escalation_on_expected_signs_only(text: str, expected_signs_only: bool) -> None:
    assert escalates_on_expected_signs_only(text) is expected_signs_only


@pytest.mark.parametrize(
    ("text", "urgency"),
    [
        # Warning words inside other words are not warnings ("switch", "archives").
        ("Is it fine to use my normal cleanser after skin needling or should I switch to something gentler?", "none"),
        ("I read the archives of this forum after my session, is my redness normal?", "none"),
        ("my skin has been itching since my session", "urgent"),
        ("I broke out in hives after my session", "urgent"),
    ],
)
def test_warning_words_are_whole_words(text: str, urgency: str) -> None:
    assert complication_urgency(text).value == urgency
