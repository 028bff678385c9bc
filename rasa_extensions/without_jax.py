"""Keep JAX out of the Rasa server: TensorFlow loads it for nothing, ~65 MB of RSS and ~0.5 s of start-up.

Rasa 3.6 imports TensorFlow 2.12 whether or not a pipeline uses it, and TensorFlow
2.12 depends on ``jax``: ``tensorflow.lite.python.util`` imports
``jax.xla_computation`` at load time, inside ``try: ... except ImportError``, so
that TFLite can convert JAX functions. Nothing in Rasa, and nothing in this
project, converts models to TFLite. Measured on this project's machine (importing
Rasa's agent and its default components in a fresh interpreter, twice each): RSS
532 / 533 MB with JAX, 468 / 468 MB without, and the imports 0.4–0.6 s faster.

``install`` puts ``None`` in ``sys.modules["jax"]``, Python's own way of saying a
module is absent: ``import jax`` then raises ``ImportError``, which is the case
TensorFlow's code above already handles (it leaves ``_xla_computation = None``
and only a JAX-to-TFLite conversion would complain). It must run before Rasa is
imported. Like the speed-ups it follows ``RASA_SPEEDUPS`` (off: JAX loads as
before) and is fenced by version: another TensorFlow may need JAX for real.
"""

from __future__ import annotations

import importlib.metadata
import os
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any

from rasa_extensions.speedups_switch import switched_off

# TensorFlow versions whose only JAX import is the optional one above (checked by grepping its sources).
TESTED_TENSORFLOW_VERSIONS = frozenset({"2.12.0"})


def installed_tensorflow_version() -> str | None:
    """The installed TensorFlow's version from its package metadata, without importing it (None if absent)."""
    try:
        return importlib.metadata.version("tensorflow")
    except importlib.metadata.PackageNotFoundError:
        return None


def should_keep_jax_out(environ: Mapping[str, str], tensorflow_version: str | None) -> bool:
    """True on a tested TensorFlow with the switch not off."""
    return not switched_off(environ) and tensorflow_version in TESTED_TENSORFLOW_VERSIONS


def install(
    environ: Mapping[str, str] | None = None,
    tensorflow_version: str | None = None,
    modules: MutableMapping[str, Any] | None = None,
) -> bool:
    """Mark ``jax`` absent in ``modules`` (``sys.modules``) when allowed and not yet imported; whether it did."""
    target: MutableMapping[str, Any] = sys.modules if modules is None else modules
    environ = os.environ if environ is None else environ
    version = tensorflow_version or installed_tensorflow_version()
    if "jax" in target or not should_keep_jax_out(environ, version):
        return False
    target["jax"] = None
    return True
