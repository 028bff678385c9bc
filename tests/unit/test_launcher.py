"""The launcher's ``rasa run`` command line, read back by Rasa's own argument parser."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.__main__ import create_argument_parser

from service.launcher import rasa_command, rasa_environment
from service.rasa_server import rasa_arguments


@pytest.mark.parametrize("token", ["plainToken123", "-starts_with_a_dash", "--looks-like-an-option"])
def test_rasa_reads_back_the_auth_token_whatever_it_starts_with(token: str) -> None:
    # secrets.token_urlsafe() starts with "-" one time in 64; a CI run once failed on exactly that.
    command = rasa_command(Path("models/m.tar.gz"), 5123, "https://clinic.example")
    assert not any(token in argument for argument in command), "the token would be visible in ps"
    arguments = rasa_arguments(command[command.index("run") :], rasa_environment({}, token))
    parsed = create_argument_parser().parse_args(arguments)
    assert parsed.auth_token == token
    assert parsed.response_timeout == 60  # Rasa's default, 3600 s, held a half-sent body for an hour
    assert parsed.port == 5123
    assert parsed.enable_api is True
    assert parsed.cors == ["https://clinic.example"]


def test_an_explicit_auth_token_argument_is_left_alone() -> None:
    arguments = ["run", "--auth-token=given"]
    assert rasa_arguments(arguments, {"RASA_AUTH_TOKEN": "other"}) == arguments
    assert rasa_arguments(["train"], {"RASA_AUTH_TOKEN": "x"}) == ["train"]
