"""Who holds a TCP port, read from /proc (Linux), for the launcher's "port already in use" line."""

from __future__ import annotations

import os
from pathlib import Path

PROC = Path("/proc")
_LISTEN = "0A"


def _listening_inodes(port: int, proc: Path) -> set[str]:
    inodes = set()
    for table in ("net/tcp", "net/tcp6"):
        try:
            lines = (proc / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 9 and fields[3] == _LISTEN and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    return inodes


def port_holder(port: int, proc: Path = PROC) -> str | None:
    """``pid N (program and first arguments)`` of a process listening on ``port``, or None if not visible.

    Only the first three words of its command line are shown: later ones may be secrets.
    """
    inodes = _listening_inodes(port, proc)
    if not inodes:
        return None
    targets = {f"socket:[{inode}]" for inode in inodes}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            descriptors = os.listdir(entry / "fd")
            if any(os.readlink(entry / "fd" / fd) in targets for fd in descriptors):
                words = (entry / "cmdline").read_bytes().split(b"\0")
                command = " ".join(word.decode(errors="replace") for word in words[:3] if word)
                return f"pid {entry.name} ({command})"
        except OSError:
            continue
    return None
