"""Read the store, count, group and write both files: the one entry point tests, bench and CLI share."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from actions.knowledge_model import KnowledgeBase
from insights.conversations import ReplyTexts, read_traffic
from insights.csv_report import write_unanswered_csv
from insights.html_report import render_html
from insights.store import TimeRange, read_events
from insights.summary import Summary, summarise
from service.launcher import DEFAULT_MODEL

HTML_NAME = "insight-report.html"
CSV_NAME = "unanswered-questions.csv"

Embed = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    csv: Path
    summary: Summary
    seconds: float


def lazy_encoder(model: Path | None = DEFAULT_MODEL) -> Embed:
    """The NLU's sentence encoder (the trained model's layers if there is one), loaded only when needed."""
    loaded: list[Embed] = []

    def embed(texts: list[str]) -> np.ndarray:
        if not loaded:
            from insights.encoder import sentence_encoder

            loaded.append(sentence_encoder(model))
        return loaded[0](texts)

    return embed


def write_report(
    store_url: str,
    out_dir: Path,
    knowledge: KnowledgeBase,
    time_range: TimeRange | None = None,
    embed: Embed | None = None,
) -> ReportFiles:
    """Write ``insight-report.html`` and ``unanswered-questions.csv`` into ``out_dir`` from the store."""
    started = time.perf_counter()
    time_range = time_range or TimeRange()
    traffic = read_traffic(read_events(store_url, time_range), ReplyTexts.from_knowledge(knowledge))
    summary = summarise(traffic, embed or lazy_encoder())
    out_dir.mkdir(parents=True, exist_ok=True)
    html, csv = out_dir / HTML_NAME, out_dir / CSV_NAME
    generated = datetime.now(tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    html.write_text(render_html(summary, time_range.label(), generated, knowledge.title), encoding="utf-8")
    write_unanswered_csv(csv, summary.unanswered)
    return ReportFiles(html, csv, summary, time.perf_counter() - started)
