"""Start the servers without a screen of other libraries' DeprecationWarnings; ours stay visible.

Rasa 3.6 and its dependencies (sanic_cors, pkg_resources, TensorFlow, pyparsing
through matplotlib and packaging, typer, spaCy's CLI) print some twenty
DeprecationWarnings at start-up about their own code, which no one here can act
on and which push the launcher's banner off the screen. Warning filters alone do
not hold: importing ``sanic.app`` turns every DeprecationWarning on
(``filterwarnings("once", category=DeprecationWarning)``) and Rasa's start-up puts
``once`` for every UserWarning in front (pyparsing's deprecations are both).

So ``silence_library_deprecations`` drops, where warnings are shown, any
(Pending)DeprecationWarning attributed to a file outside the project (an installed
package or the standard library), and adds a filter that always shows the
project's own: a deprecation in our code, or in how our code calls a library
(``stacklevel`` points at the caller), is still printed once per place. Other
warning categories are untouched. Called first thing by the two server entry
points (``python -m service.rasa_server``, ``python -m actions``), so `make run`
shows the banner; pytest keeps its own filters (pyproject.toml).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, TextIO

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The same list as pyproject.toml's [tool.mypy] files (tests/unit/test_quiet_warnings.py checks it).
PROJECT_PACKAGES = (
    "actions", "bench", "channels", "checks", "cluster", "docgen", "evaluation", "insights", "nlu_components",
    "observability", "rasa_extensions", "sentence_encoder", "service", "spacy_pipeline", "text_screens",
)  # fmt: skip
# A warning's module is matched from its start: the package itself or anything in it.
OUR_MODULES = rf"(?:{'|'.join(PROJECT_PACKAGES)})(?:\..*)?$"
DEPRECATIONS = (DeprecationWarning, PendingDeprecationWarning)


def is_project_file(filename: str) -> bool:
    """True for the project's own code, or code with no file (``python -c``, the REPL); not for the venv."""
    if filename.startswith("<"):
        return True
    path = Path(filename).resolve()
    return path.is_relative_to(PROJECT_ROOT) and not {"site-packages", "dist-packages"} & set(path.parts)


def silence_library_deprecations() -> None:
    """From here on, show no third-party deprecation warning and every one of the project's."""
    for category in DEPRECATIONS:
        warnings.filterwarnings("default", category=category, module=OUR_MODULES)
    show = warnings.showwarning

    def show_unless_library_deprecation(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> Any:
        if issubclass(category, DEPRECATIONS) and not is_project_file(filename):
            return None
        return show(message, category, filename, lineno, file, line)

    warnings.showwarning = show_unless_library_deprecation
