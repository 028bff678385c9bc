"""A whole WhatsApp conversation through the real servers: signed Twilio webhooks in, Messages API calls out."""

from __future__ import annotations

from channels.markdown_render import to_whatsapp
from channels.quick_replies import OPTIONS_HINT, RATING_HINT
from tests.channels.conftest import BOT_NUMBER, TWILIO_SID, TWILIO_TOKEN

RATING_LINE = RATING_HINT.format(choices="👍 or 👎")


def options(buttons_titles: list[str], rating: bool = False) -> str:
    lines = [*(f"{n}. {title}" for n, title in enumerate(buttons_titles, 1)), OPTIONS_HINT]
    return "\n".join([*lines, RATING_LINE] if rating else lines)


def test_full_conversation_with_numbered_options(whatsapp_user, fake_provider, knowledge) -> None:
    me = whatsapp_user.address
    form = whatsapp_user.form("hi")
    status, body = whatsapp_user.send_form(form, whatsapp_user.sign(form))
    assert status == 200 and b"<Response></Response>" in body

    menu, more_topics = fake_provider.wait_for(me, 2, "Messages")
    titles = [knowledge.title(topic) for topic in knowledge.menu] + [
        "Book a consultation",
        knowledge.messages["handoff_button"],
    ]
    assert menu.text == f"{to_whatsapp(knowledge.messages['greeting'])}\n\n{options(titles)}"
    assert menu.body["From"] == BOT_NUMBER and menu.auth == (TWILIO_SID, TWILIO_TOKEN)
    assert OPTIONS_HINT not in more_topics.text

    assert whatsapp_user.says("Does microneedling hurt?") == 200
    answer, disclaimer = fake_provider.wait_for(me, 2, "Messages", since=2)
    follow_ups = knowledge.faqs["ask_pain"].follow_ups
    expected = to_whatsapp(knowledge.faqs["ask_pain"].answer)
    assert answer.text == f"{expected}\n\n{options([knowledge.title(t) for t in follow_ups], rating=True)}"
    assert "*mild to moderate discomfort*" in answer.text and "**" not in answer.text
    assert disclaimer.text == f"_{knowledge.disclaimer}_"

    assert whatsapp_user.says("2") == 200
    (picked,) = fake_provider.wait_for(me, 1, "Messages", since=4)
    assert picked.text.startswith(to_whatsapp(knowledge.faqs[follow_ups[1]].answer))

    assert whatsapp_user.says("👎") == 200  # rates the answer just given, not a numbered option
    (sorry,) = fake_provider.wait_for(me, 1, "Messages", since=5)
    assert sorry.text.startswith(to_whatsapp(knowledge.messages["feedback_sorry"]))
    assert "Talk to our team" in sorry.text

    assert whatsapp_user.says("I had microneedling two days ago and now my face has pus and a fever") == 200
    escalation = [record.text for record in fake_provider.wait_for(me, 2, "Messages", since=6)]
    assert to_whatsapp(knowledge.urgent_escalation) in escalation[0] + escalation[1]
    assert to_whatsapp(knowledge.emergency_escalation) in escalation[0] + escalation[1]
    assert all(record.status == 201 for record in fake_provider.sent(me))


def test_number_without_options_is_ordinary_text(whatsapp_user, fake_provider, knowledge) -> None:
    assert whatsapp_user.says("7") == 200
    (reply,) = fake_provider.wait_for(whatsapp_user.address, 1, "Messages")
    assert not any(reply.text.startswith(to_whatsapp(entry.answer)) for entry in knowledge.faqs.values())


def test_photo_gets_a_request_for_text(whatsapp_user, fake_provider, knowledge) -> None:
    form = whatsapp_user.form("", NumMedia="1", MediaUrl0="https://api.twilio.com/media/1")
    assert whatsapp_user.send_form(form, whatsapp_user.sign(form))[0] == 200
    assert (
        fake_provider.wait_for(whatsapp_user.address, 1, "Messages")[0].text == knowledge.messages["non_text_message"]
    )
