"""Webhook verification: only Telegram's secret header and Twilio's signature let a request through."""

from __future__ import annotations

import pytest
from twilio.request_validator import RequestValidator

from channels.signatures import telegram_secret_ok, twilio_signature, twilio_signature_ok

SECRET = "s3cret_token-123"
TOKEN = "12345678901234567890123456789012"
URL = "https://clinic.example.com/webhooks/whatsapp/webhook"
FORM = {
    "Body": ["Does it hurt? ¿Duele? 🙂 & <b>"],
    "From": ["whatsapp:+15550100001"],
    "To": ["whatsapp:+14155238886"],
    "NumMedia": ["0"],
    "ProfileName": [""],
    "MessageSid": ["SM123"],
}


class MultiDict(dict):
    """What twilio's validator reads repeated parameters from (``getall``)."""

    def getall(self, name: str) -> list[str]:
        return self[name]


@pytest.mark.parametrize(
    ("header", "accepted"),
    [(SECRET, True), ("s3cret_token-124", False), ("", False), (None, False), (SECRET + " ", False)],
    ids=["right", "wrong", "empty", "missing", "padded"],
)
def test_telegram_secret_header(header, accepted) -> None:
    assert telegram_secret_ok(SECRET, header) is accepted


def test_telegram_without_configured_secret_accepts_nothing() -> None:
    assert not telegram_secret_ok("", "")
    assert not telegram_secret_ok("", None)


@pytest.mark.parametrize(
    "form",
    [FORM, {}, {"Body": ["b", "a", "a"], "A": [""]}, {"Body": ["x+y=z&w"], "From": ["whatsapp:+1 555"]}],
    ids=["whatsapp-message", "no-params", "repeated-and-empty", "reserved-characters"],
)
def test_signature_matches_twilios_reference_implementation(form) -> None:
    assert twilio_signature(TOKEN, URL, form) == RequestValidator(TOKEN).compute_signature(URL, MultiDict(form))


def test_signature_known_value() -> None:
    # The example in Twilio's security documentation and twilio-python's own tests.
    params = {
        "CallSid": ["CA1234567890ABCDE"],
        "Caller": ["+14158675309"],
        "Digits": ["1234"],
        "From": ["+14158675309"],
        "To": ["+18005551212"],
    }
    signature = twilio_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", params)
    assert signature == "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_correctly_signed_request_is_accepted() -> None:
    assert twilio_signature_ok(TOKEN, URL, FORM, twilio_signature(TOKEN, URL, FORM))


@pytest.mark.parametrize(
    "signed_url",
    ["https://clinic.example.com:443/webhooks/whatsapp/webhook", URL],
    ids=["with-default-port", "without-port"],
)
def test_default_port_is_accepted_either_way(signed_url) -> None:
    signature = twilio_signature(TOKEN, signed_url, FORM)
    assert twilio_signature_ok(TOKEN, URL, FORM, signature)
    assert twilio_signature_ok(TOKEN, "https://clinic.example.com:443/webhooks/whatsapp/webhook", FORM, signature)
    assert RequestValidator(TOKEN).validate(URL, MultiDict(FORM), signature)


def test_other_port_is_not_the_same_url() -> None:
    signature = twilio_signature(TOKEN, "https://clinic.example.com:8443/webhooks/whatsapp/webhook", FORM)
    assert not twilio_signature_ok(TOKEN, URL, FORM, signature)


def tampered(**changes: list[str]) -> dict[str, list[str]]:
    return {**FORM, **changes}


@pytest.mark.parametrize(
    ("token", "url", "form"),
    [
        ("another-auth-token-0000000000000", URL, FORM),
        (TOKEN, "http://127.0.0.1:5005/webhooks/whatsapp/webhook", FORM),
        (TOKEN, URL, tampered(Body=["Something else"])),
        (TOKEN, URL, tampered(From=["whatsapp:+15550199999"])),
        (TOKEN, URL, {**FORM, "Extra": ["1"]}),
    ],
    ids=["wrong-token", "internal-url", "changed-body", "changed-sender", "added-param"],
)
def test_wrongly_signed_request_is_refused(token, url, form) -> None:
    signature = twilio_signature(token, url, form)
    assert not twilio_signature_ok(TOKEN, URL, FORM, signature)


@pytest.mark.parametrize("header", [None, "", "not-base64!", "RSOYDt4T1cUTdK1PDd93/VVr8B8="])
def test_missing_or_garbage_signature_is_refused(header) -> None:
    assert not twilio_signature_ok(TOKEN, URL, FORM, header)


def test_without_configuration_nothing_verifies() -> None:
    signature = twilio_signature("", URL, FORM)
    assert not twilio_signature_ok("", URL, FORM, signature)
    assert not twilio_signature_ok(TOKEN, "", FORM, twilio_signature(TOKEN, "", FORM))
