"""Keep a doc's figures generated: a command rewrites the text between two marker lines.

`make bench` and `make eval` write their last run into docs/performance.md and
docs/evaluation.md, so the figures a reader sees always come from a command anyone
can re-run, never from hand-kept history.
"""

from __future__ import annotations

from pathlib import Path


def markers(command: str) -> tuple[str, str]:
    """The start and end lines that fence ``command``'s generated section."""
    return (
        f"<!-- {command}: last run, generated from here; edits below this line are overwritten -->",
        f"<!-- {command}: end of the generated last run -->",
    )


def replace_section(document: str, body: str, command: str) -> str:
    """``document`` with the text between ``command``'s markers replaced by ``body``."""
    start_line, end_line = markers(command)
    start, end = document.find(start_line), document.find(end_line)
    if start < 0 or end < start:
        raise ValueError(f"the document has no generated section: keep the lines {start_line!r} and {end_line!r}")
    head = document[: start + len(start_line)]
    return f"{head}\n\n{body.strip()}\n\n{document[end:]}"


def write_section(doc: Path, body: str, command: str) -> None:
    """Rewrite ``command``'s generated section of ``doc`` with ``body``."""
    doc.write_text(replace_section(doc.read_text(encoding="utf-8"), body, command), encoding="utf-8")
