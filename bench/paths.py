"""Where the benchmark keeps its build products and reports, in one place so modules agree."""

from __future__ import annotations

import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUILD_DIR = PROJECT_ROOT / "build" / "bench"
RESULTS_DIR = PROJECT_ROOT / "results"
LOG_DIR = RESULTS_DIR / "bench-logs"
# The servers and `rasa train` run on the same interpreter as the harness: the project's venv.
PYTHON = sys.executable
