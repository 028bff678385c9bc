"""The report as one self-contained HTML page: inline CSS and SVG, no script, nothing fetched.

Every text that came from a person is escaped (and was masked earlier), so a
message containing markup shows as text.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from insights.charts import horizontal_bars, stacked_columns
from insights.conversations import Outcome
from insights.summary import Summary

OUTCOME_LABELS = {
    Outcome.ANSWERED: "answered (FAQ topic)",
    Outcome.DID_YOU_MEAN: "\u201cDid you mean\u2026\u201d",
    Outcome.OUT_OF_SCOPE: "scope message",
    Outcome.ESCALATION: "escalation advice",
    Outcome.OTHER: "other",
}
OUTCOME_NOTE = (
    "\u201cDid you mean\u2026\u201d: not understood, topics offered; scope message: not about microneedling; "
    "escalation advice: a possible complication described; other: greetings, the menu, booking, a person, "
    "emoji or another language."
)
MAX_GROUPS_SHOWN = 50
ANSWER_PREVIEW = 220

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:960px;padding:0 1rem;color:#0f172a}
h1{margin-bottom:.2rem} h2{margin-top:2.2rem;border-bottom:1px solid #e2e8f0;padding-bottom:.3rem}
.muted{color:#64748b} .tiles{display:flex;gap:1rem;flex-wrap:wrap;margin:1rem 0}
.tile{border:1px solid #e2e8f0;border-radius:8px;padding:.6rem 1rem;min-width:9rem}
.tile b{display:block;font-size:1.6rem}
table{border-collapse:collapse;width:100%;margin:.6rem 0;font-size:.92rem}
th,td{border-bottom:1px solid #e2e8f0;padding:.35rem .5rem;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums} svg.chart{max-width:100%;height:auto}
ul.examples{margin:0;padding-left:1.1rem} figure{display:inline-block;margin:0 1.5rem 1rem 0}
figcaption{font-weight:600;margin-bottom:.3rem} .empty{color:#64748b;font-style:italic}
"""


def _table(head: list[str], rows: list[list[str]], numeric: frozenset[int] | set[int] = frozenset()) -> str:
    """A table of already-escaped cells; ``numeric`` columns are right-aligned."""
    cls = lambda i: " class='n'" if i in numeric else ""  # noqa: E731
    header = "".join(f"<th{cls(i)}>{h}</th>" for i, h in enumerate(head))
    body = "".join("<tr>" + "".join(f"<td{cls(i)}>{c}</td>" for i, c in enumerate(r)) + "</tr>" for r in rows)
    return f"<table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"


def _percent(value: float) -> str:
    return f"{100 * value:.1f}%"


def _traffic(summary: Summary) -> str:
    if not summary.days:
        return "<p class='empty'>No messages in this period.</p>"
    labels = [day.day for day in summary.days]
    charts = "".join(
        f"<figure><figcaption>{what} per day, by channel</figcaption>"
        + stacked_columns(
            f"{what} per day by channel",
            labels,
            {c: [getattr(day, attribute)[c] for day in summary.days] for c in summary.channels},
        )
        + "</figure>"
        for what, attribute in (("Conversations", "conversations"), ("User messages", "messages"))
    )
    rows = [
        [escape(day.day), escape(channel), str(day.conversations[channel]), str(day.messages[channel])]
        for day in summary.days
        for channel in summary.channels
        if day.messages[channel]
    ]
    table = _table(["Day (UTC)", "Channel", "Conversations", "Messages"], rows, {2, 3})
    return f"{charts}<details><summary>Per day and channel</summary>{table}</details>"


def _outcomes(summary: Summary) -> str:
    if not summary.messages:
        return "<p class='empty'>No messages in this period.</p>"
    rows = [
        (OUTCOME_LABELS[o], summary.share(o), f"{_percent(summary.share(o))} ({summary.outcomes[o]})") for o in Outcome
    ]
    return horizontal_bars("Share of user messages by what they got", rows) + f"<p class='muted'>{OUTCOME_NOTE}</p>"


def _topics(summary: Summary, title: Callable[[str], str]) -> str:
    if not summary.topics:
        return "<p class='empty'>No FAQ answers in this period.</p>"
    chart = horizontal_bars(
        "FAQ topics answered", [(title(t.topic), t.answered, str(t.answered)) for t in summary.topics[:20]]
    )
    rows = [[escape(title(t.topic)), str(t.answered), str(t.up), str(t.down)] for t in summary.topics]
    return chart + _table(["Topic", "Answered", "👍 helpful", "👎 not helpful"], rows, {1, 2, 3})


def _unanswered(summary: Summary) -> str:
    if not summary.unanswered:
        return "<p class='empty'>Every question in this period got an answer.</p>"
    groups = [group for group in summary.unanswered if not group.ungrouped]
    tail = [group for group in summary.unanswered if group.ungrouped]
    rows = []
    for rank, group in enumerate(groups[:MAX_GROUPS_SHOWN], start=1):
        examples = "".join(f"<li>{escape(text)}</li>" for text in group.examples())
        reasons = ", ".join(
            f"{group.reasons[o.value]} {label}"
            for o, label in ((Outcome.DID_YOU_MEAN, "did you mean"), (Outcome.OUT_OF_SCOPE, "scope"))
            if group.reasons[o.value]
        )
        rows.append([str(rank), str(group.count), f"<ul class='examples'>{examples}</ul>", escape(reasons)])
    more = len(groups) - MAX_GROUPS_SHOWN
    note = f"<p class='muted'>{more} smaller groups are in the CSV.</p>" if more > 0 else ""
    if tail:
        note += (
            f"<p class='muted'>{len(tail[0].wordings)} rarer wordings ({tail[0].count} messages) were not grouped, "
            "to keep the report fast; they are in the CSV as \u201cungrouped\u201d.</p>"
        )
    return _table(["#", "Asked", "Examples (up to 5 wordings)", "Got"], rows, {0, 1}) + note


def _downvoted(summary: Summary, title: Callable[[str], str]) -> str:
    if not summary.downvoted:
        return "<p class='empty'>No 👎 in this period.</p>"
    rows = []
    for answer in summary.downvoted:
        preview = answer.answer or "(answer not found in the conversation)"
        if len(preview) > ANSWER_PREVIEW:
            preview = preview[:ANSWER_PREVIEW] + "…"
        questions = "".join(f"<li>{escape(q)} ({n})</li>" for q, n in answer.questions)
        rows.append(
            [
                escape(title(answer.topic) if answer.topic else "(no topic)"),
                escape(preview),
                str(answer.down),
                str(answer.up),
                f"<ul class='examples'>{questions}</ul>",
            ]
        )
    return _table(["Topic", "Answer", "👎 not helpful", "👍 helpful", "Asked as"], rows, {2, 3})


def render_html(summary: Summary, period: str, generated: str, title: Callable[[str], str]) -> str:
    """The whole page; ``title`` turns an intent name into the topic's title from the knowledge file."""
    tiles = [
        ("conversations", str(summary.conversations)),
        ("user messages", str(summary.messages)),
        ("answered", _percent(summary.share(Outcome.ANSWERED))),
        ("not answered", _percent(summary.share(Outcome.DID_YOU_MEAN) + summary.share(Outcome.OUT_OF_SCOPE))),
        ("👍 helpful / 👎 not helpful", f"{summary.votes['up']} / {summary.votes['down']}"),
    ]
    tile_html = "".join(f"<div class='tile'><b>{escape(v)}</b>{escape(k)}</div>" for k, v in tiles)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Assistant insight report</title><style>{_STYLE}</style></head>
<body>
<h1>What patients asked the assistant</h1>
<p class="muted">{escape(period)} · generated {escape(generated)} · for clinic staff only: contains what people
typed (e-mail addresses and phone numbers masked), never who they are.</p>
<div class="tiles">{tile_html}</div>
<h2 id="unanswered">Questions the assistant could not answer</h2>
<p class="muted">Messages that got \u201cDid you mean\u2026\u201d or the scope message, grouped by meaning,
largest groups first: candidates for new entries in the knowledge file.</p>
{_unanswered(summary)}
<h2 id="outcomes">What messages got</h2>
{_outcomes(summary)}
<h2 id="topics">Topics asked</h2>
{_topics(summary, title)}
<h2 id="downvoted">Answers with the most 👎</h2>
{_downvoted(summary, title)}
<h2 id="traffic">Conversations and messages per day</h2>
{_traffic(summary)}
<p class="muted">A conversation is one person (one sender) on one day; feedback clicks are counted as votes, not as
messages. Days are UTC. The unanswered questions are also in the CSV next to this file.</p>
</body></html>
"""
