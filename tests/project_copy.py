"""A copy of some of the project's files, for tests that edit the project as a person would."""

from __future__ import annotations

import shutil
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# What the consistency checks and `rasa data validate` read.
PROJECT_FILES = ("config.yml", "domain.yml", "data", "knowledge", "spacy_pipeline/entity_patterns.yml")


def copy_project(target: Path, relatives: tuple[str, ...] = PROJECT_FILES) -> Path:
    """Copy ``relatives`` (files or folders) from the project into ``target``, keeping their paths."""
    for relative in relatives:
        source, destination = PROJECT_ROOT / relative, target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if source.is_dir() else shutil.copy)(source, destination)
    return target
