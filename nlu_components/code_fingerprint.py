"""Rasa's training-cache key for the project's components: the helper modules and data they use too.

Why: Rasa keys a component's cached training output on its config, its inputs,
the versions of its ``required_packages()`` and the source of the component
class itself, but not on the modules that class calls. After an edit to, say,
sentence_encoder/quantized_layers.py or spacy_pipeline/needle_length.py, `rasa
train` without ``--force`` (or `make tune`, which trains through Rasa's cache)
could pair new code with features or weights made by the old code. Adding a hash
of all the code and data the trained model depends on makes any such edit retrain
our components (seconds). Library versions are already in Rasa's key through
``required_packages()``.

``MODEL_CODE`` is the one list of what a trained model depends on; the Makefile's
TRAINING_INPUTS names the same files (checked by tests/unit/test_code_fingerprint.py),
so `make` retrains after exactly these edits and never after a test helper's.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Globs relative to the project root: the NLU components, the sentence encoder they
# run, the spaCy pipeline's builder and patterns, and the input screen the unusable
# input classifier applies.
MODEL_CODE = (
    "nlu_components/*.py",
    "nlu_components/*/*.py",
    "sentence_encoder/*.py",
    "spacy_pipeline/*.py",
    "spacy_pipeline/*.yml",
    "text_screens/message_screen.py",
)


def model_code_files(root: Path = PROJECT_ROOT) -> list[Path]:
    """The files named by ``MODEL_CODE`` under ``root``, sorted by path."""
    return sorted({path for pattern in MODEL_CODE for path in root.glob(pattern)})


def files_fingerprint(paths: Iterable[Path], root: Path = PROJECT_ROOT) -> str:
    """SHA-256 over each file's path and bytes, in the order given: changes when any of them does."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def package_fingerprint(root: Path = PROJECT_ROOT) -> str:
    """SHA-256 over the model's code and data files."""
    return files_fingerprint(model_code_files(root), root)


class CodeFingerprinted:
    """Mixin for a Rasa graph component: put it before ``GraphComponent`` in the bases."""

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        return package_fingerprint()
