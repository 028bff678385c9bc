"""The README and docs/ stay usable: every setting is documented, every relative link and anchor resolves."""

from __future__ import annotations

import re
from pathlib import Path

from actions.knowledge_loader import KNOWLEDGE_FILE_ENV
from rasa_extensions.rasa_speedups import SWITCH_VARIABLE
from service import launcher

PROJECT_ROOT = Path(__file__).resolve().parents[2]
README = PROJECT_ROOT / "README.md"
DOCS = sorted((PROJECT_ROOT / "docs").glob("*.md"))
DEPLOYMENT = PROJECT_ROOT / "docs" / "deployment.md"


def server_variables() -> set[str]:
    """Variables the servers read: the launcher's defaults, what it reads itself, the knowledge file and the switch."""
    read = set(re.findall(r"os\.environ\.get\(\"([A-Z_0-9]+)\"", Path(launcher.__file__).read_text()))
    return set(launcher.DEFAULT_ENVIRONMENT) | read | {KNOWLEDGE_FILE_ENV, SWITCH_VARIABLE}


def test_every_server_variable_is_in_the_deployment_table() -> None:
    text = DEPLOYMENT.read_text()
    missing = sorted(name for name in server_variables() if f"`{name}`" not in text)
    assert not missing, f"document these in docs/deployment.md's Configuration tables: {', '.join(missing)}"


def _without_code(text: str) -> str:
    return re.sub(r"`[^`\n]*`", "", re.sub(r"```.*?```", "", text, flags=re.DOTALL))


def _anchors(path: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    headings = re.findall(r"^#+ (.*)$", re.sub(r"```.*?```", "", path.read_text(), flags=re.DOTALL), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-") for heading in headings}


def test_relative_links_and_anchors_resolve() -> None:
    broken = []
    for page in [README, *DOCS]:
        for target in re.findall(r"\]\(([^)\s]+)\)", _without_code(page.read_text())):
            if re.match(r"[a-z]+:", target):
                continue
            file, _, anchor = target.partition("#")
            destination = (page.parent / file).resolve() if file else page
            if not destination.exists():
                broken.append(f"{page.name}: {target} (no such file)")
            elif anchor and destination.suffix == ".md" and anchor not in _anchors(destination):
                broken.append(f"{page.name}: {target} (no such heading)")
    assert not broken, "broken links: " + "; ".join(broken)


def test_the_readme_keeps_its_two_commands_and_links_every_doc() -> None:
    text = README.read_text()
    assert "make run" in text and "make test" in text
    unlinked = [doc.name for doc in DOCS if f"](docs/{doc.name}" not in text]
    assert not unlinked, f"link these from the README's 'Where to go next': {', '.join(unlinked)}"
