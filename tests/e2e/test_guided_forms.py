"""The suitability check and the cost estimate, end to end through the REST webhook of the real servers."""

from __future__ import annotations

import pytest

from service.launcher import PROJECT_ROOT
from tests.e2e.test_rest_conversation import KNOWLEDGE, stack, texts  # noqa: F401  (stack is a fixture)
from tests.e2e.test_rest_conversation import chat as webhook_chat

# Every turn of these conversations, as the person saw it, for review and for the closing note.
TRANSCRIPTS = PROJECT_ROOT / "results" / "e2e" / "guided-forms-transcripts.md"
_started: set[str] = set()


def chat(stack, sender: str, message: str) -> list[dict]:  # noqa: F811
    """Send through the webhook and append the turn to TRANSCRIPTS (one section per conversation)."""
    replies = webhook_chat(stack, sender, message)
    if not _started:
        TRANSCRIPTS.parent.mkdir(parents=True, exist_ok=True)
        TRANSCRIPTS.write_text("# Guided conversations through the REST webhook (tests/e2e/test_guided_forms.py)\n")
    lines = [] if sender in _started else [f"\n## {sender}\n"]
    _started.add(sender)
    lines.append(f"**Visitor:** {message}  ")
    for reply in replies:
        text = reply.get("text", "").replace("\n", "  \n> ")
        buttons = " ".join(f"`[{b['title']}]`" for b in reply.get("buttons") or [])
        lines.append(f"> {text} {buttons}".rstrip() + "\n")
    with TRANSCRIPTS.open("a", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    return replies


CHECK = KNOWLEDGE.suitability
QUESTIONS = CHECK.questions
ANSWERS = {q.ask for q in QUESTIONS}


def asked(replies: list[dict]) -> str | None:
    """The key of the question a reply asks, if any."""
    for reply in replies:
        for question in QUESTIONS:
            if question.ask in reply.get("text", ""):
                return question.key
    return None


def answer_all(sender: str, replies: list[dict], stack, chosen: dict[str, str]) -> list[dict]:  # noqa: F811
    """Answer every question with its button payload (default "No") until the result arrives."""
    for _ in range(len(QUESTIONS) + 1):
        key = asked(replies)
        if key is None:
            return replies
        button = {"yes": "/affirm", "no": "/deny", "unsure": "/answer_unsure"}[chosen.get(key, "no")]
        assert button in [b["payload"] for b in replies[-1]["buttons"]]
        replies = chat(stack, sender, button)
    raise AssertionError("the check never ended")


def test_happy_path_asks_every_question_once_in_order_and_never_clears_anyone(stack) -> None:  # noqa: F811
    sender = "e2e-suit-happy"
    replies = chat(stack, sender, "am I a good candidate for microneedling?")
    assert replies[0]["text"] == CHECK.intro
    seen = []
    for number in range(1, len(QUESTIONS) + 1):
        seen.append(asked(replies))
        assert replies[-1]["text"].startswith(f"Question {number} of {len(QUESTIONS)}:")
        assert [b["title"] for b in replies[-1]["buttons"]] == ["Yes", "No", "Not sure", "Stop the check"]
        replies = chat(stack, sender, "no")
    assert seen == [q.key for q in QUESTIONS]
    assert texts(replies) == [CHECK.result_clear]
    assert replies[0]["buttons"][0]["payload"] == "/book_consultation"
    after = chat(stack, sender, "how much is it?")
    assert after[0]["text"] == KNOWLEDGE.faqs["ask_cost"].answer  # the form is over


@pytest.mark.parametrize("question", QUESTIONS, ids=[q.key for q in QUESTIONS])
def test_each_contraindication_answer_explains_why_and_hands_over(stack, question) -> None:  # noqa: F811
    sender = f"e2e-suit-{question.key}"
    replies = answer_all(sender, chat(stack, sender, "/check_suitability"), stack, {question.key: "yes"})
    assert replies[0]["text"].startswith(CHECK.result_caution)
    assert f"**{question.label}**: {question.why}" in replies[0]["text"]
    others = [q for q in QUESTIONS if q is not question]
    assert not any(f"**{q.label}**" in replies[0]["text"] for q in others)
    assert replies[0]["buttons"][0]["payload"] == "/human_handoff"


def test_free_text_answers_and_not_sure_are_understood(stack) -> None:  # noqa: F811
    sender = "e2e-suit-words"
    replies = chat(stack, sender, "is microneedling suitable for me?")
    order = [q.key for q in QUESTIONS]
    said = {"skin_infection": "nope", "keloids": "not sure", "pregnancy": "I'm 20 weeks pregnant"}
    while asked(replies):
        key = asked(replies)
        replies = chat(stack, sender, said.get(key, "no I don't"))
        if key in said:
            assert asked(replies) != key or key == order[-1]
    assert replies[0]["text"].startswith(CHECK.result_caution)
    assert "**Pregnancy**" in replies[0]["text"]
    assert CHECK.result_unsure in replies[0]["text"] and "- Keloids or raised scars" in replies[0]["text"]


def test_what_was_said_earlier_fills_its_question(stack) -> None:  # noqa: F811
    sender = "e2e-suit-prefill"
    chat(stack, sender, "can I have microneedling if I take blood thinners?")
    replies = chat(stack, sender, "can I have microneedling?")
    assert CHECK.noted_earlier.format(answers="blood thinners or other medication") in texts(replies)
    keys = []
    while asked(replies):
        keys.append(asked(replies))
        replies = chat(stack, sender, "/deny")
    assert "medication" not in keys and len(keys) == len(QUESTIONS) - 1
    assert "**Blood thinners or other medication**" in replies[0]["text"]


def test_a_question_mid_form_is_answered_and_the_form_offers_to_carry_on(stack) -> None:  # noqa: F811
    sender = "e2e-suit-faq"
    chat(stack, sender, "/check_suitability")
    chat(stack, sender, "/deny")
    replies = chat(stack, sender, "does it hurt?")
    assert replies[0]["text"] == KNOWLEDGE.faqs["ask_pain"].answer
    assert replies[-1]["text"].startswith(CHECK.resume) and asked(replies[-1:]) == QUESTIONS[1].key
    replies = chat(stack, sender, "no")
    assert asked(replies) == QUESTIONS[2].key


def test_stop_leaves_the_form_and_forgets(stack) -> None:  # noqa: F811
    sender = "e2e-suit-stop"
    chat(stack, sender, "/check_suitability")
    chat(stack, sender, "yes")
    replies = chat(stack, sender, "never mind")
    assert texts(replies) == [KNOWLEDGE.messages["form_stopped"]]
    again = chat(stack, sender, "/check_suitability")
    assert asked(again) == QUESTIONS[0].key  # the earlier "yes" was forgotten


def test_a_complication_mid_form_escalates_at_once_and_ends_the_form(stack) -> None:  # noqa: F811
    sender = "e2e-suit-complication"
    chat(stack, sender, "/check_suitability")
    replies = chat(stack, sender, "no, but since my session last week there's pus and the redness is spreading")
    assert KNOWLEDGE.urgent_escalation in texts(replies)
    assert asked(replies) is None
    after = chat(stack, sender, "no")
    assert asked(after) is None and not any(CHECK.result_caution in t or CHECK.result_clear in t for t in texts(after))


def test_the_check_is_offered_under_the_contraindications_answer(stack) -> None:  # noqa: F811
    replies = chat(stack, "e2e-suit-offer", "who shouldn't get microneedling?")
    payloads = [b["payload"] for b in replies[0]["buttons"]]
    assert "/check_suitability" in payloads


def test_cost_estimate_with_a_known_concern_shows_the_arithmetic(stack) -> None:  # noqa: F811
    replies = chat(stack, "e2e-cost-known", "how much would a full course cost for my wrinkles?")
    text = replies[0]["text"]
    assert text.startswith("Here's a rough estimate for wrinkles")
    assert "6–10 sessions × $250–$450 = $1,500–$4,500" in text
    assert text.endswith(KNOWLEDGE.cost_estimate.closing)


def test_cost_estimate_asks_the_concern_with_buttons_and_never_invents_a_total(stack) -> None:  # noqa: F811
    sender = "e2e-cost-ask"
    cost = chat(stack, sender, "how much does microneedling cost?")
    offer = next(b for b in cost[0]["buttons"] if b["title"] == KNOWLEDGE.cost_estimate.button)
    asked_concern = chat(stack, sender, offer["payload"])
    assert asked_concern[0]["text"] == KNOWLEDGE.cost_estimate.ask_concern
    acne = next(b for b in asked_concern[0]["buttons"] if b["title"] == "Acne scars")
    replies = chat(stack, sender, acne["payload"])
    assert replies[0]["text"].startswith("Here's a rough estimate for acne scars")
    assert "×" not in replies[0]["text"] and KNOWLEDGE.cost_estimate.several_sessions_line in replies[0]["text"]
    assert "Package: 3 sessions for $1,100" in replies[0]["text"]


def test_answers_are_never_written_to_the_logs(stack) -> None:  # noqa: F811
    """Runs after the conversations above in this module: neither server logged an answer or a slot."""
    sender = "e2e-suit-logs"
    chat(stack, sender, "/check_suitability")
    chat(stack, sender, "I have a fungal infection on my cheek")
    for server in stack.servers:
        logged = server.log_path.read_text(encoding="utf-8")
        assert "fungal infection on my cheek" not in logged and "20 weeks pregnant" not in logged
        assert "suitability_pregnancy" not in logged and "suitability_fungal_infection" not in logged
