"""The launcher's ``rasa run`` command line, read back by Rasa's own argument parser."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.__main__ import create_argument_parser

from service.launcher import rasa_command


@pytest.mark.parametrize("token", ["plainToken123", "-starts_with_a_dash", "--looks-like-an-option"])
def test_rasa_reads_back_the_auth_token_whatever_it_starts_with(token: str) -> None:
    # secrets.token_urlsafe() starts with "-" one time in 64; a CI run once failed on exactly that.
    command = rasa_command(Path("models/m.tar.gz"), 5123, token, "https://clinic.example")
    rasa_arguments = command[command.index("run") :]
    parsed = create_argument_parser().parse_args(rasa_arguments)
    assert parsed.auth_token == token
    assert parsed.port == 5123
    assert parsed.enable_api is True
    assert parsed.cors == ["https://clinic.example"]
