"""The ``RASA_SPEEDUPS`` switch, read in one place by every change this project makes to stock Rasa's start-up.

A module of its own, importing nothing from Rasa, because rasa_extensions.without_jax must read the switch
before Rasa is imported, and rasa_extensions.rasa_speedups imports Rasa.
"""

from __future__ import annotations

from collections.abc import Mapping

# Set to "off" (or 0/false/no) to run stock Rasa, e.g. to rule the replacements out when debugging.
SWITCH_VARIABLE = "RASA_SPEEDUPS"
_OFF_VALUES = frozenset({"off", "0", "false", "no"})


def switched_off(environ: Mapping[str, str]) -> bool:
    """True when ``RASA_SPEEDUPS`` is off, 0, false or no (in any case, surrounding spaces ignored)."""
    return environ.get(SWITCH_VARIABLE, "").strip().lower() in _OFF_VALUES
