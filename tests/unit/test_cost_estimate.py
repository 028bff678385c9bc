"""The cost estimate's arithmetic, its sources of session counts, and the price list's validation."""

from __future__ import annotations

from typing import Any

import pytest

from actions.cost_estimate import OTHER_CONCERN, estimate, sessions_for
from actions.knowledge_loader import load_knowledge_base
from actions.prices import Range
from tests.conftest import knowledge_copy, knowledge_problems


@pytest.mark.parametrize(
    ("written", "low", "high"),
    [(300, 300, 300), (250.5, 250.5, 250.5), ("250-450", 250, 450), ("250 – 450", 250, 450), ("6 to 10", 6, 10)],
)
def test_numbers_and_ranges_are_read(written: object, low: float, high: float) -> None:
    assert Range.parse(written) == Range(low, high)


@pytest.mark.parametrize("written", ["two hundred", "250-", "$250", "450-250", "", None, True, -5, "250-450-600"])
def test_anything_else_is_refused(written: object) -> None:
    with pytest.raises(ValueError):
        Range.parse(written)


def test_range_arithmetic_and_formatting() -> None:
    total = Range(3, 6).times(Range(250, 450))
    assert total == Range(750, 2700)
    assert total.as_money("$") == "$750–$2,700"
    assert Range(1100, 1100).as_money("€") == "€1,100"
    assert Range(6, 10).as_count() == "6–10"
    assert Range(99.5, 99.5).as_money("$") == "$99.50"


def test_seed_sessions_give_a_total_with_the_arithmetic_shown(knowledge) -> None:
    result = estimate(knowledge, "wrinkles")
    assert sessions_for(knowledge, "wrinkles") == (Range(6, 10), "seeds")
    assert result.total == Range(1500, 4500)
    assert "- 6–10 sessions × $250–$450 = $1,500–$4,500" in result.lines
    assert "- Package: 3 sessions for $1,100" in result.lines
    assert "- Included: numbing cream when needed, aftercare advice" in result.lines
    assert result.lines[-1] == knowledge.cost_estimate.closing
    assert "practitioner sets the plan and price at the consultation" in result.text


def test_no_number_from_the_seeds_means_no_invented_total(knowledge) -> None:
    result = estimate(knowledge, "acne scars")
    assert result.total is None
    assert sessions_for(knowledge, "acne scars") == (None, "none")
    assert f"- {knowledge.cost_estimate.several_sessions_line}" in result.lines
    assert not any("×" in line for line in result.lines)
    assert "- Price per session: $250–$450" in result.lines


def test_something_else_is_named_in_general_words(knowledge) -> None:
    result = estimate(knowledge, OTHER_CONCERN)
    assert result.lines[0] == knowledge.cost_estimate.heading.format(concern=knowledge.cost_estimate.other_concern)


def test_the_clinic_plan_wins_over_the_seeds(tmp_path) -> None:
    def plan(data: dict[str, Any]) -> None:
        data["pricing"]["plans"] = {"acne scars": "3-6", "wrinkles": 4}

    knowledge = load_knowledge_base(knowledge_copy(tmp_path, plan))
    acne = estimate(knowledge, "acne scars")
    assert acne.total == Range(750, 2700)
    assert "- 3–6 sessions × $250–$450 = $750–$2,700" in acne.lines
    assert "- Sessions: 3–6, our usual plan for acne scars" in acne.lines
    assert estimate(knowledge, "wrinkles").total == Range(1000, 1800)


def test_without_a_price_list_the_seeds_general_range_is_quoted_and_said_so(tmp_path) -> None:
    knowledge = load_knowledge_base(knowledge_copy(tmp_path, lambda d: d.pop("pricing")))
    result = estimate(knowledge, "wrinkles")
    assert knowledge.pricing is None
    assert "$200–$700" in result.lines[1] and "general guide" in result.lines[1]
    assert result.total == Range(1200, 7000)
    assert not any(line.startswith("- Package") for line in result.lines)
    assert "about $200–$700 per session" in knowledge.faqs["ask_cost"].answer


def test_price_range_placeholder_follows_the_price_list(tmp_path, knowledge) -> None:
    assert "$250–$450 per session" in knowledge.faqs["ask_cost"].answer
    cheaper = load_knowledge_base(knowledge_copy(tmp_path, lambda d: d["pricing"].update(per_session="150-300")))
    assert "$150–$300 per session" in cheaper.faqs["ask_cost"].answer
    assert "$150–$300 per session" in cheaper.booking


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda d: d["pricing"].update(per_session="two hundred"),
            "section 'pricing', field 'per_session' must be a number or a range like 250-450",
        ),
        (
            lambda d: d["pricing"]["packages"][0].update(price="ask us"),
            "section 'pricing', field 'packages.0.price' must be a number or a range",
        ),
        (
            lambda d: d["pricing"].update(plans={"acne scars": "a few"}),
            "section 'pricing', field 'plans.acne scars' must be a number or a range",
        ),
        (
            lambda d: d["pricing"].update(per_session="450-250"),
            "section 'pricing', field 'per_session' range '450-250' runs backwards",
        ),
        (
            lambda d: d["cost_estimate"].update(general_per_session="cheap"),
            "section 'cost_estimate', field 'general_per_session' must be a number or a range",
        ),
        (lambda d: d["pricing"].pop("per_session"), "section 'pricing', field 'per_session' is missing"),
        (
            lambda d: d["clinic"].update(price_range="$100 per session"),
            "section 'clinic', field 'price_range' repeats the price list",
        ),
        (
            lambda d: d["cost_estimate"].update(total_line="{sessions} × {price_per_session}"),
            "section 'cost_estimate', field 'total_line' uses unknown placeholder {price_per_session}",
        ),
        (
            lambda d: d["cost_estimate"].update(offered_under=["ask_prices"]),
            "section 'cost_estimate', field 'offered_under' names unknown topic 'ask_prices'",
        ),
    ],
)
def test_a_broken_price_list_is_refused_naming_section_and_field(tmp_path, mutate, expected) -> None:
    assert expected in knowledge_problems(knowledge_copy(tmp_path, mutate))
