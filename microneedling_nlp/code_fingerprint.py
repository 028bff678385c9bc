"""Rasa's training-cache key for this package's components: the helper modules and data they use too.

Why: Rasa keys a component's cached training output on its config, its inputs,
the versions of its ``required_packages()`` and the source of the component
class itself, but not on the modules that class calls. After an edit to, say,
quantized_layers.py or needle_length.py, `rasa train` without ``--force`` (or
`make tune`, which trains through Rasa's cache) could pair new code with
features or weights made by the old code. Adding a hash of the whole package
makes any such edit retrain our components (seconds). Library versions are
already in Rasa's key through ``required_packages()``.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent


def files_fingerprint(paths: Iterable[Path]) -> str:
    """SHA-256 over each file's name and bytes, in the order given: changes when any of them does."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def package_fingerprint() -> str:
    """SHA-256 over this package's modules and data files."""
    return files_fingerprint(sorted([*PACKAGE_DIR.glob("*.py"), *PACKAGE_DIR.glob("*.yml")]))


class CodeFingerprinted:
    """Mixin for a Rasa graph component: put it before ``GraphComponent`` in the bases."""

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        return package_fingerprint()
