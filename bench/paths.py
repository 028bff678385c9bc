"""Where the benchmark keeps its build products and reports, in one place so modules agree."""

from __future__ import annotations

import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUILD_DIR = PROJECT_ROOT / "build" / "bench"
RESULTS_DIR = PROJECT_ROOT / "results"
LOG_DIR = RESULTS_DIR / "bench-logs"
# The doc whose "last run" section each plain `make bench` rewrites (bench.report.write_into_doc).
PERFORMANCE_DOC = PROJECT_ROOT / "docs" / "performance.md"
# The servers and `rasa train` run on the same interpreter as the harness: the project's venv.
PYTHON = sys.executable
