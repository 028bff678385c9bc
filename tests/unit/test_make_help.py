"""`make help` lists every target of the Makefile, so a newcomer can find each one without reading the Makefile."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
MAKEFILE = PROJECT_ROOT / "Makefile"


def makefile_targets(text: str) -> set[str]:
    """The .PHONY names and every rule whose target is a plain word (not a file path or a variable)."""
    joined = text.replace("\\\n", " ")
    phony = {name for line in joined.splitlines() if line.startswith(".PHONY:") for name in line.split()[1:]}
    rules = set(re.findall(r"^([a-z][a-z0-9_-]*)\s*:(?!=)", joined, flags=re.MULTILINE))
    return phony | rules


def test_the_target_reader_finds_phony_and_plain_rules() -> None:
    text = ".PHONY: run \\\n        soak\nSHELL := /bin/bash\nrun: $(MODEL)\n$(MODEL): x\nbuild/a.json: y\nextra:\n"
    assert makefile_targets(text) == {"run", "soak", "extra"}


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_help_lists_every_target() -> None:
    shown = subprocess.run(
        ["make", "-s", "--no-print-directory", "help"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout
    listed = set(re.findall(r"^\s*make (\S+)", shown, flags=re.MULTILINE))
    missing = sorted(makefile_targets(MAKEFILE.read_text()) - listed)
    assert not missing, f"add a line to the Makefile's help recipe for: {', '.join(missing)}"
    assert "make run" in shown and "make test" in shown
