"""The unanswered questions as CSV: one row per distinct wording, in the report's group order.

Why a CSV next to the HTML: staff work through the list in a spreadsheet,
marking which questions the knowledge file should answer.
"""

from __future__ import annotations

import csv
from pathlib import Path

from insights.conversations import Outcome
from insights.grouping import Group

COLUMNS = ("group", "group_size", "group_did_you_mean", "group_out_of_scope", "question", "times_asked")


def write_unanswered_csv(path: Path, groups: list[Group]) -> None:
    """Every distinct unanswered wording (masked), grouped; an empty store gives the header only.

    The rarest wordings of a very large store are not grouped (grouping.MAX_ENCODED): their rows say ``ungrouped``.
    """
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for rank, group in enumerate(groups, start=1):
            for question in group.examples(limit=len(group.wordings)):
                writer.writerow(
                    (
                        "ungrouped" if group.ungrouped else rank,
                        group.count,
                        group.reasons[Outcome.DID_YOU_MEAN.value],
                        group.reasons[Outcome.OUT_OF_SCOPE.value],
                        question,
                        group.wordings[question],
                    )
                )
