"""Resident memory of a process and its descendants, read from /proc (Linux only, no psutil needed)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


def status_kib(pid: int, field: str, proc: Path = PROC) -> int:
    """A ``kB`` field of /proc/<pid>/status (VmRSS: resident now, VmHWM: resident peak); 0 if the process is gone."""
    try:
        text = (proc / str(pid) / "status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    for line in text.splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def children(pid: int, proc: Path = PROC) -> list[int]:
    """Every descendant of ``pid`` (Sanic worker processes, TensorFlow helpers), found through each PPid."""
    parents: dict[int, list[int]] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
        parents.setdefault(ppid, []).append(int(entry.name))
    found: list[int] = []
    pending = list(parents.get(pid, []))
    while pending:
        child = pending.pop()
        found.append(child)
        pending.extend(parents.get(child, []))
    return found


@dataclass(frozen=True)
class Memory:
    """Resident set of a process tree in MiB: now, and the sum of each process's own peak."""

    rss_mib: float
    peak_mib: float
    processes: int


def tree_memory(pid: int, proc: Path = PROC) -> Memory:
    """RSS of ``pid`` plus all its descendants. Peak is the sum of per-process peaks (an upper bound)."""
    pids = [pid, *children(pid, proc)]
    rss = sum(status_kib(p, "VmRSS", proc) for p in pids)
    peak = sum(status_kib(p, "VmHWM", proc) for p in pids)
    return Memory(rss / 1024, peak / 1024, len(pids))


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_s(pid: int, proc: Path = PROC) -> float:
    """User + system CPU seconds a live process has used (fields 14 and 15 of /proc/<pid>/stat)."""
    try:
        fields = (proc / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def tree_cpu_s(pid: int, proc: Path = PROC) -> float:
    """CPU seconds of ``pid`` and its live descendants."""
    return sum(process_cpu_s(p, proc) for p in [pid, *children(pid, proc)])


def machine_busy_s(proc: Path = PROC) -> float:
    """CPU seconds every core spent not idle since boot (/proc/stat), to see what else ran during a phase."""
    values = [int(v) for v in (proc / "stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    steal = values[7] if len(values) > 7 else 0
    return (sum(values[:8]) - idle - steal) / CLOCK_TICKS
