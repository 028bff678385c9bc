"""rasa_extensions.without_jax: JAX marked absent before Rasa loads TensorFlow, only where that is known to be safe."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from rasa_extensions import without_jax

TESTED = next(iter(without_jax.TESTED_TENSORFLOW_VERSIONS))


def test_marks_jax_absent_on_a_tested_tensorflow() -> None:
    modules: dict[str, Any] = {}
    assert without_jax.install(environ={}, tensorflow_version=TESTED, modules=modules)
    assert "jax" in modules and modules["jax"] is None


def test_the_speedups_switch_turns_it_off() -> None:
    for value in ("off", "0", "False", " no "):
        modules: dict[str, Any] = {}
        assert not without_jax.install(environ={"RASA_SPEEDUPS": value}, tensorflow_version=TESTED, modules=modules)
        assert modules == {}


def test_an_untested_tensorflow_keeps_jax() -> None:
    modules: dict[str, Any] = {}
    assert not without_jax.install(environ={}, tensorflow_version="2.13.0", modules=modules)
    assert modules == {}


def test_a_jax_already_imported_is_left_alone() -> None:
    loaded = object()
    modules: dict[str, Any] = {"jax": loaded}
    assert not without_jax.install(environ={}, tensorflow_version=TESTED, modules=modules)
    assert modules["jax"] is loaded


def test_the_installed_tensorflow_is_a_tested_one() -> None:
    """A TensorFlow upgrade turns the trim off silently; this says to re-check its JAX imports instead."""
    assert without_jax.installed_tensorflow_version() in without_jax.TESTED_TENSORFLOW_VERSIONS


def test_rasa_and_tensorflow_load_without_jax() -> None:
    """In a fresh interpreter: Rasa's agent and default components import, TensorFlow works, JAX never loads."""
    script = (
        "import sys\n"
        "from rasa_extensions import without_jax\n"
        "assert without_jax.install(environ={})\n"
        "import rasa.core.agent, rasa.engine.recipes.default_components\n"
        "import tensorflow as tf\n"
        "from tensorflow.lite.python import util\n"
        "assert sys.modules['jax'] is None and not any(m.startswith('jax') and sys.modules[m] for m in sys.modules)\n"
        "assert util._xla_computation is None\n"
        "assert float(tf.reduce_sum(tf.constant([1.0, 2.0]))) == 3.0\n"
        "print('loaded without jax')\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "loaded without jax" in result.stdout
