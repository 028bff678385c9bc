"""The socket.io channel's pure parts: what credentials.yml builds, which origins and session ids it accepts,
where a turn's buttons go."""

from __future__ import annotations

import pytest
from rasa.core.run import create_http_input_channels

from channels.socketio_channel import (
    GuardedSocketIOInput,
    buttons_on_last,
    new_session_id,
    parse_origins,
    same_host,
    sender_id,
    valid_session_id,
)
from service.launcher import DEFAULT_ENVIRONMENT, PROJECT_ROOT


def channels_from_credentials(monkeypatch: pytest.MonkeyPatch, cors: str) -> dict[str, object]:
    for name, value in DEFAULT_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("RASA_CORS_ORIGINS", cors)
    built = create_http_input_channels(None, str(PROJECT_ROOT / "credentials.yml"))
    return {channel.name(): channel for channel in built}


def test_credentials_enable_the_guarded_channel_with_persistence_and_the_usual_events(monkeypatch) -> None:
    channel = channels_from_credentials(monkeypatch, "https://clinic.example  https://www.clinic.example/")["socketio"]
    assert type(channel) is GuardedSocketIOInput
    assert channel.session_persistence is True
    assert (channel.user_message_evt, channel.bot_message_evt) == ("user_uttered", "bot_uttered")
    assert channel.socketio_path == "/socket.io"
    assert channel.allowed_origins == {"https://clinic.example", "https://www.clinic.example"}


def test_with_no_origins_configured_no_other_site_is_allowed(monkeypatch) -> None:
    assert channels_from_credentials(monkeypatch, "")["socketio"].allowed_origins == frozenset()


def test_a_wildcard_origin_is_refused() -> None:
    with pytest.raises(ValueError, match="not an allowed origin"):
        parse_origins("https://clinic.example *")
    assert parse_origins(["https://a.example", " "]) == {"https://a.example"}
    assert parse_origins(None) == frozenset()


def test_session_ids_are_random_lowercase_hex_and_only_that_shape_is_accepted() -> None:
    ids = {new_session_id() for _ in range(100)}
    assert len(ids) == 100 and all(valid_session_id(value) for value in ids)
    for bad in ["", "0" * 31, "0" * 33, "A" * 32, "0" * 32 + "\n", "telegram-42", None, 42, ["0" * 32]]:
        assert not valid_session_id(bad), bad
    assert sender_id("ab" * 16) == "socketio-" + "ab" * 16


@pytest.mark.parametrize(
    ("origin", "host", "same"),
    [
        ("https://assistant.example", "assistant.example", True),
        ("http://127.0.0.1:5005", "127.0.0.1:5005", True),
        ("http://127.0.0.1:5006", "127.0.0.1:5005", False),
        ("https://assistant.example.evil.example", "assistant.example", False),
        ("null", "assistant.example", False),
        ("https://assistant.example", None, False),
    ],
)
def test_same_host(origin: str, host: str | None, same: bool) -> None:
    assert same_host(origin, host) is same


BUTTONS = [{"title": "How long is the downtime?", "payload": "/ask_recovery"}]


def test_an_answers_buttons_move_under_the_disclaimer_that_follows_it() -> None:
    turn = [{"text": "Most people feel...", "buttons": BUTTONS}, {"text": "_This chat offers general information_"}]
    assert buttons_on_last(turn) == [
        {"text": "Most people feel..."},
        {"text": "_This chat offers general information_", "buttons": BUTTONS},
    ]
    assert turn[0]["buttons"] == BUTTONS, "the turn as Rasa sent it is left alone"


@pytest.mark.parametrize(
    "turn",
    [
        [{"text": "a", "buttons": BUTTONS}],
        [{"text": "a"}, {"text": "b", "buttons": BUTTONS}],
        [{"text": "a", "buttons": BUTTONS}, {"image": "https://x.example/i.png"}],
        [{"text": "a", "buttons": BUTTONS}, {"text": "b", "custom": {"x": 1}}],
        [{"text": "a"}, {"text": "b"}],
        [],
    ],
    ids=["single", "already-last", "image-last", "custom-last", "no-buttons", "empty"],
)
def test_buttons_stay_where_they_are_otherwise(turn: list[dict]) -> None:
    assert buttons_on_last(turn) == turn
