"""A personal cost estimate that shows its arithmetic and its assumptions.

Pure: it reads the clinic's price list (or the seeds' general range when there is
none) and a concern, and words the estimate with the knowledge file's templates.

Where the number of sessions comes from, in order:
1. the clinic's own plan for the concern (``pricing.plans``);
2. the seeds' figure for the concern (``cost_estimate.seed_sessions``: gentle
   0.5 mm treatments for fine lines and pigmentation, six to ten);
3. otherwise "several": the seeds give no number, so no total is invented.
"""

from __future__ import annotations

from dataclasses import dataclass

from actions.knowledge_model import CostEstimateTexts, KnowledgeBase, PriceList
from actions.prices import Range

OTHER_CONCERN = "other"
GENERAL_CURRENCY = "$"  # the seeds quote US dollars


@dataclass(frozen=True)
class Estimate:
    """The estimate's lines and the total, when one could be worked out."""

    lines: tuple[str, ...]
    total: Range | None

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def sessions_for(knowledge: KnowledgeBase, concern: str) -> tuple[Range | None, str]:
    """The number of sessions for a concern and where it comes from ("clinic", "seeds" or "none")."""
    plans = knowledge.pricing.plans if knowledge.pricing else {}
    if concern in plans:
        return plans[concern], "clinic"
    if concern in knowledge.cost_estimate.seed_sessions:
        return knowledge.cost_estimate.seed_sessions[concern], "seeds"
    return None, "none"


def estimate(knowledge: KnowledgeBase, concern: str) -> Estimate:
    """Sessions × price per session = total, packages and what is included, then the consultation."""
    texts = knowledge.cost_estimate
    pricing: PriceList | None = knowledge.pricing
    currency = pricing.currency if pricing else GENERAL_CURRENCY
    per_session = pricing.per_session if pricing else texts.general_per_session
    per_session_text = per_session.as_money(currency)
    named = texts.other_concern if concern == OTHER_CONCERN else concern

    lines = [texts.heading.format(concern=named)]
    if pricing is None:
        lines.append(texts.no_price_list.format(per_session=per_session_text))
    lines.append(_bullet(texts.per_session_line.format(per_session=per_session_text)))
    sessions, source = sessions_for(knowledge, concern)
    total = sessions.times(per_session) if sessions else None
    lines.append(_bullet(_sessions_line(texts, sessions, source, named)))
    if sessions and total:
        lines.append(
            _bullet(
                texts.total_line.format(
                    sessions=sessions.as_count(), per_session=per_session_text, total=total.as_money(currency)
                )
            )
        )
    if pricing:
        for package in pricing.packages:
            lines.append(
                _bullet(
                    texts.package_line.format(
                        sessions=package.sessions.as_count(), price=package.price.as_money(currency)
                    )
                )
            )
        if pricing.included:
            lines.append(_bullet(texts.included_line.format(included=", ".join(pricing.included))))
    lines.append("")
    lines.append(texts.closing)
    return Estimate(lines=tuple(lines), total=total)


def _sessions_line(texts: CostEstimateTexts, sessions: Range | None, source: str, concern: str) -> str:
    if sessions is None:
        return texts.several_sessions_line
    template = texts.clinic_plan_line if source == "clinic" else texts.seed_sessions_line
    return template.format(sessions=sessions.as_count(), concern=concern)


def _bullet(line: str) -> str:
    return f"- {line}"
