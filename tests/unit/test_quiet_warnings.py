"""`make run` start-up: other libraries' deprecation warnings silenced, the project's own still shown."""

from __future__ import annotations

import subprocess
import sys
import warnings

from service.quiet_warnings import PROJECT_ROOT, silence_library_deprecations

LIBRARY = "/srv/venv/lib/python3.10/site-packages"


def test_library_deprecations_are_dropped_and_ours_are_kept() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # as a library might: every warning reaches the display
        silence_library_deprecations()
        warnings.warn_explicit("theirs", DeprecationWarning, f"{LIBRARY}/sanic_cors/extension.py", 39)
        warnings.warn_explicit("theirs too", PendingDeprecationWarning, f"{LIBRARY}/tensorflow/util.py", 52)
        warnings.warn_explicit("stdlib", DeprecationWarning, "/usr/lib/python3.10/distutils/version.py", 1)
        warnings.warn_explicit("ours", DeprecationWarning, str(PROJECT_ROOT / "channels" / "provider_channel.py"), 1)
        warnings.warn_explicit("a script", DeprecationWarning, "<string>", 1)
        warnings.warn_explicit("not a deprecation", RuntimeWarning, f"{LIBRARY}/numpy/core.py", 1)
    assert [str(warning.message) for warning in caught] == ["ours", "a script", "not a deprecation"]


def test_the_servers_start_path_prints_no_library_deprecation() -> None:
    """Rasa's own warning set-up included (it puts "once" for every UserWarning first), in a fresh interpreter."""
    code = (
        "from service.quiet_warnings import silence_library_deprecations\n"
        "silence_library_deprecations()\n"
        "import logging, rasa_sdk.__main__, rasa.__main__\n"
        "from rasa.utils.common import configure_logging_and_warnings\n"
        "configure_logging_and_warnings(logging.INFO)\n"
        "import spacy, packaging.requirements, rasa.core.run\n"
        "import warnings\n"
        "warnings.warn('ours', DeprecationWarning)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        env={"PYTHONPATH": str(PROJECT_ROOT), "TF_CPP_MIN_LOG_LEVEL": "2", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    warned = [line for line in result.stderr.splitlines() if "DeprecationWarning" in line]
    assert warned == ["<string>:8: DeprecationWarning: ours"], result.stderr


def test_the_project_packages_are_the_type_checked_ones() -> None:
    """One list of the project's packages: mypy checks them and their deprecations stay visible."""
    import json
    import re

    from service.quiet_warnings import PROJECT_PACKAGES, PROJECT_ROOT

    pyproject = (PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    mypy_section = pyproject.split("[tool.mypy]", 1)[1]
    files = json.loads(re.search(r"^files = (\[.*?\])$", mypy_section, re.M).group(1))
    assert sorted(files) == sorted(PROJECT_PACKAGES)
    assert all((PROJECT_ROOT / package / "__init__.py").exists() for package in PROJECT_PACKAGES)
