"""``python -m service.rasa_server run ...``: Rasa's own command line, with rasa_extensions.rasa_speedups applied first.

JAX is kept out of TensorFlow before Rasa is imported (rasa_extensions.without_jax: ~65 MB of RSS).

The launcher starts the Rasa server through this module so the fix is in
place before any message is handled; every argument goes to Rasa unchanged,
plus ``--auth-token`` from ``RASA_AUTH_TOKEN``: a token on the command line is
readable by every user of the machine through ``ps``, the environment is not.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

AUTH_TOKEN_VARIABLE = "RASA_AUTH_TOKEN"


def rasa_arguments(arguments: list[str], environ: Mapping[str, str]) -> list[str]:
    """``arguments`` for ``rasa``, with ``--auth-token=<token>`` added to ``run`` when the environment has one.

    One argument (``--auth-token=TOKEN``): argparse would read a token that starts with "-" as an option.
    """
    token = environ.get(AUTH_TOKEN_VARIABLE, "")
    given = any(argument.split("=", 1)[0] == "--auth-token" for argument in arguments)
    if token and arguments[:1] == ["run"] and not given:
        return [*arguments, f"--auth-token={token}"]
    return arguments


if __name__ == "__main__":
    from service.quiet_warnings import silence_library_deprecations

    silence_library_deprecations()  # before Rasa is imported: its libraries warn while they load

    from rasa_extensions import without_jax

    without_jax.install()  # before Rasa is imported: it imports TensorFlow, which imports JAX

    from rasa.__main__ import main

    from observability import rasa_metrics
    from rasa_extensions import header_token, rasa_speedups

    rasa_speedups.apply()
    header_token.install()
    rasa_metrics.install()  # GET /metrics
    sys.argv = [sys.argv[0], *rasa_arguments(sys.argv[1:], os.environ)]
    main()
