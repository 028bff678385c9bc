"""Load and validate the knowledge file, so a broken edit stops the server early.

A clinic's staff edit the YAML by hand. A mistake must not surface as a wrong or
missing answer in front of a patient, so the action server refuses to start and
names the entry and field instead (``KnowledgeFileError``).
"""

from __future__ import annotations

import json
import os
import string
from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from actions.knowledge_model import (
    COST_ESTIMATE_INTENT,
    SUITABILITY_INTENT,
    ClinicDetails,
    CostEstimateTexts,
    FaqEntry,
    KnowledgeBase,
    Package,
    PriceList,
    SuitabilityCheck,
    SuitabilityQuestion,
)
from actions.prices import Range

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_KNOWLEDGE_FILE = PROJECT_ROOT / "knowledge" / "microneedling_faq.yml"
SCHEMA_FILE = PROJECT_ROOT / "knowledge" / "microneedling_faq.schema.json"
KNOWLEDGE_FILE_ENV = "KNOWLEDGE_FILE"
GUIDED_INTENTS = (SUITABILITY_INTENT, COST_ESTIMATE_INTENT)
# Texts filled per conversation keep these placeholders besides the clinic's own.
OWN_PLACEHOLDERS: dict[tuple[str, str], set[str]] = {
    ("suitability_check", "noted_earlier"): {"answers"},
    ("suitability_check", "noted_now"): {"answers"},
    ("suitability_check", "question_heading"): {"number", "total"},
    ("cost_estimate", "heading"): {"concern"},
    ("cost_estimate", "per_session_line"): {"per_session"},
    ("cost_estimate", "clinic_plan_line"): {"sessions", "concern"},
    ("cost_estimate", "seed_sessions_line"): {"sessions", "concern"},
    ("cost_estimate", "total_line"): {"sessions", "per_session", "total"},
    ("cost_estimate", "package_line"): {"sessions", "price"},
    ("cost_estimate", "included_line"): {"included"},
    ("cost_estimate", "no_price_list"): {"per_session"},
}
# Placeholders a message fills in when it is sent, not from `clinic:` (the figures of one message);
# they stay in the loaded text for the sender's ``str.format``.
SEND_TIME_PLACEHOLDERS: dict[str, frozenset[str]] = {"too_long_message": frozenset({"length", "limit"})}


class KnowledgeFileError(ValueError):
    """The knowledge file cannot be used; each problem names its entry and field."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        listed = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"Knowledge file {path} is invalid:\n{listed}")


def knowledge_file_path() -> Path:
    """The file to load: $KNOWLEDGE_FILE if set, else the one in the repo."""
    return Path(os.environ.get(KNOWLEDGE_FILE_ENV) or DEFAULT_KNOWLEDGE_FILE)


@lru_cache(maxsize=1)
def default_knowledge_base() -> KnowledgeBase:
    """The validated knowledge base, read once per action-server process."""
    return load_knowledge_base(knowledge_file_path())


def load_knowledge_base(path: Path) -> KnowledgeBase:
    """Parse, schema-check and cross-check the file, then build the typed model."""
    raw = _read_yaml(path)
    problems = _schema_problems(raw)
    if not problems:
        problems = _cross_reference_problems(raw)
    if problems:
        raise KnowledgeFileError(path, problems)
    return _build(raw)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise KnowledgeFileError(path, [f"cannot be read: {error.strerror}"]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise KnowledgeFileError(path, [f"is not valid YAML{where}"]) from None
    if not isinstance(data, dict):
        raise KnowledgeFileError(path, ["must be a mapping with clinic, faqs, ... sections"])
    return _dates_to_text(data)


def _dates_to_text(value: Any) -> Any:
    """YAML turns 2026-11-21 into a date; the schema checks it as ISO text."""
    if isinstance(value, dict):
        return {str(key): _dates_to_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_dates_to_text(item) for item in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema)


def _schema_problems(raw: dict[str, Any]) -> list[str]:
    errors = sorted(_validator().iter_errors(raw), key=lambda e: list(map(str, e.path)))
    return [_describe(list(error.path), error) for error in errors]


def _describe(path: list[Any], error: jsonschema.ValidationError) -> str:
    """Say which entry and field is wrong, in words a clinic's staff can act on."""
    if error.validator == "required":
        missing = error.message.split("'")[1]
        path = [*path, missing]
        detail = "is missing"
    elif error.validator == "additionalProperties":
        detail = f"has an unknown field ({error.message.split('(')[-1].rstrip(')')})"
    else:
        detail = f"is invalid: {error.message}"
    return _location(path) + " " + detail


def _location(path: list[Any]) -> str:
    parts = [str(part) for part in path]
    if len(parts) >= 2 and parts[0] == "faqs":
        field = ".".join(parts[2:]) or "(the whole entry)"
        return f"entry '{parts[1]}', field '{field}'"
    if not parts:
        return "the file"
    return f"section '{parts[0]}'" + (f", field '{'.'.join(parts[1:])}'" if parts[1:] else "")


def _cross_reference_problems(raw: dict[str, Any]) -> list[str]:
    """Checks a JSON schema cannot express: references, dates, placeholders."""
    faqs: dict[str, Any] = raw["faqs"]
    problems: list[str] = []
    for intent, entry in faqs.items():
        for follow_up in entry["follow_ups"]:
            if follow_up == intent:
                problems.append(f"entry '{intent}', field 'follow_ups' points at itself")
            elif follow_up not in faqs:
                problems.append(f"entry '{intent}', field 'follow_ups' names unknown topic '{follow_up}'")
        reviewed = date.fromisoformat(entry["last_reviewed"])
        if reviewed > date.today():
            problems.append(f"entry '{intent}', field 'last_reviewed' is in the future")
    for position, intent in enumerate(raw["menu"]):
        if intent not in faqs and intent not in GUIDED_INTENTS:
            problems.append(f"section 'menu', field '{position}' names unknown topic '{intent}'")
    for section in ("suitability_check", "cost_estimate"):
        for intent in raw[section]["offered_under"]:
            if intent not in faqs:
                problems.append(f"section '{section}', field 'offered_under' names unknown topic '{intent}'")
        if date.fromisoformat(raw[section]["last_reviewed"]) > date.today():
            problems.append(f"section '{section}', field 'last_reviewed' is in the future")
    problems += _amount_problems(raw)
    if raw.get("pricing") and "price_range" in raw["clinic"]:
        problems.append(
            "section 'clinic', field 'price_range' repeats the price list: delete it, "
            "{price_range} is written from pricing.per_session"
        )
    clinic_names = set(_placeholder_keys())
    for location, text, own in _texts(raw):
        allowed = clinic_names | own
        for name in _placeholder_names(text):
            if name not in allowed:
                problems.append(
                    f"{location} uses unknown placeholder {{{name}}}; allowed: {', '.join(sorted(allowed))}"
                )
    return problems


def _amount_problems(raw: dict[str, Any]) -> list[str]:
    """Prices and session counts must be numbers or ranges, never words a sum cannot use."""
    amounts: list[tuple[str, str, object]] = [
        ("cost_estimate", "general_per_session", raw["cost_estimate"]["general_per_session"])
    ]
    amounts += [
        ("cost_estimate", f"seed_sessions.{concern}", value)
        for concern, value in (raw["cost_estimate"].get("seed_sessions") or {}).items()
    ]
    pricing = raw.get("pricing") or {}
    if pricing:
        amounts.append(("pricing", "per_session", pricing["per_session"]))
        for position, package in enumerate(pricing.get("packages") or []):
            amounts.append(("pricing", f"packages.{position}.sessions", package["sessions"]))
            amounts.append(("pricing", f"packages.{position}.price", package["price"]))
        amounts += [("pricing", f"plans.{concern}", value) for concern, value in (pricing.get("plans") or {}).items()]
    problems = []
    for section, field, value in amounts:
        try:
            Range.parse(value)
        except ValueError as error:
            problems.append(f"section '{section}', field '{field}' {error}")
    return problems


def _placeholder_keys() -> list[str]:
    """The clinic placeholders every text may use ({price_range} is always filled)."""
    return list(ClinicDetails("", "", "", "", "", "", "").placeholders())


def _placeholder_names(template: str) -> Iterable[str]:
    try:
        return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError:
        return ["<unbalanced brace>"]


def _texts(raw: dict[str, Any]) -> Iterable[tuple[str, str, set[str]]]:
    """Every text a person reads, with where it is and its own placeholders, for placeholder checks."""
    for section in ("disclaimer", "handoff", "booking"):
        yield f"section '{section}'", raw[section], set()
    for key, text in raw["messages"].items():
        yield f"section 'messages', field '{key}'", text, set(SEND_TIME_PLACEHOLDERS.get(key, ()))
    for level in ("urgent", "emergency"):
        yield f"section 'escalation', field '{level}'", raw["escalation"][level], set()
    for intent, entry in raw["faqs"].items():
        yield f"entry '{intent}', field 'answer'", entry["answer"], set()
        for entity_type, values in (entry.get("variants") or {}).items():
            for value, text in values.items():
                yield f"entry '{intent}', field 'variants.{entity_type}.{value}'", text, set()
    for section in ("suitability_check", "cost_estimate"):
        for key, text in raw[section].items():
            if isinstance(text, str) and key != "last_reviewed":
                yield f"section '{section}', field '{key}'", text, OWN_PLACEHOLDERS.get((section, key), set())
    for key, text in raw["suitability_check"]["answer_buttons"].items():
        yield f"section 'suitability_check', field 'answer_buttons.{key}'", text, set()
    for key, question in raw["suitability_check"]["questions"].items():
        for field in ("ask", "label", "why"):
            yield f"section 'suitability_check', field 'questions.{key}.{field}'", question[field], set()


def _clinic(raw: dict[str, Any]) -> ClinicDetails:
    """The clinic's details; the price range is written from the price list, or the seeds' guide without one."""
    details = {key: str(value) for key, value in raw["clinic"].items()}
    pricing = _pricing(raw)
    if pricing is not None:
        details["price_range"] = f"{pricing.per_session.as_money(pricing.currency)} per session"
    elif "price_range" not in details:
        general = Range.parse(raw["cost_estimate"]["general_per_session"])
        details["price_range"] = f"about {general.as_money('$')} per session (a general guide)"
    return ClinicDetails(**details)


def _pricing(raw: dict[str, Any]) -> PriceList | None:
    pricing = raw.get("pricing")
    if not pricing:
        return None
    return PriceList(
        currency=pricing["currency"],
        per_session=Range.parse(pricing["per_session"]),
        packages=tuple(
            Package(Range.parse(package["sessions"]), Range.parse(package["price"]))
            for package in pricing.get("packages") or []
        ),
        included=tuple(item.strip() for item in pricing.get("included") or []),
        plans={concern: Range.parse(value) for concern, value in (pricing.get("plans") or {}).items()},
    )


class _KeepOwnPlaceholders(dict):
    """Fills the clinic's placeholders and leaves a text's own ({number}, {concern}...) for later."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _suitability(raw: dict[str, Any], fill: dict[str, str]) -> SuitabilityCheck:
    section = raw["suitability_check"]
    keep = _KeepOwnPlaceholders(fill)
    texts = {key: section[key].strip().format_map(keep) for key in SUITABILITY_TEXTS}
    return SuitabilityCheck(
        **texts,
        answer_buttons={key: text.strip() for key, text in section["answer_buttons"].items()},
        offered_under=tuple(section["offered_under"]),
        questions=tuple(
            SuitabilityQuestion(
                key=key,
                ask=question["ask"].strip().format(**fill),
                label=question["label"].strip().format(**fill),
                why=question["why"].strip().format(**fill),
                conditions=tuple(question["conditions"]),
            )
            for key, question in section["questions"].items()
        ),
        sources=tuple(section["sources"]),
        last_reviewed=date.fromisoformat(section["last_reviewed"]),
    )


def _cost_estimate(raw: dict[str, Any], fill: dict[str, str]) -> CostEstimateTexts:
    section = raw["cost_estimate"]
    keep = _KeepOwnPlaceholders(fill)
    texts = {key: section[key].strip().format_map(keep) for key in COST_ESTIMATE_TEXTS}
    return CostEstimateTexts(
        **texts,
        concerns={value: label.strip() for value, label in section["concerns"].items()},
        offered_under=tuple(section["offered_under"]),
        general_per_session=Range.parse(section["general_per_session"]),
        seed_sessions={concern: Range.parse(value) for concern, value in (section.get("seed_sessions") or {}).items()},
        sources=tuple(section["sources"]),
        last_reviewed=date.fromisoformat(section["last_reviewed"]),
    )


SUITABILITY_TEXTS = (
    "button", "intro", "noted_earlier", "noted_now", "question_heading", "resume", "not_understood", "result_clear",
    "result_caution", "result_unsure", "result_caution_closing",
)  # fmt: skip
COST_ESTIMATE_TEXTS = (
    "button", "ask_concern", "resume", "other_concern_button", "other_concern", "heading", "per_session_line",
    "clinic_plan_line", "seed_sessions_line", "several_sessions_line", "total_line", "package_line",
    "included_line", "no_price_list", "closing",
)  # fmt: skip


def _fill_message(key: str, text: str, fill: dict[str, str]) -> str:
    """The clinic's details filled in; send-time placeholders such as ``{length}`` left for the sender."""
    kept = {name: "{" + name + "}" for name in SEND_TIME_PLACEHOLDERS.get(key, ())}
    return text.strip().format(**fill, **kept)


def _build(raw: dict[str, Any]) -> KnowledgeBase:
    clinic = _clinic(raw)
    fill = clinic.placeholders()
    faqs = {
        intent: FaqEntry(
            intent=intent,
            title=entry["title"].strip(),
            answer=entry["answer"].strip().format(**fill),
            variants={
                entity_type: {value: text.strip().format(**fill) for value, text in values.items()}
                for entity_type, values in (entry.get("variants") or {}).items()
            },
            follow_ups=tuple(entry["follow_ups"]),
            sources=tuple(entry["sources"]),
            last_reviewed=date.fromisoformat(entry["last_reviewed"]),
        )
        for intent, entry in raw["faqs"].items()
    }
    return KnowledgeBase(
        clinic=clinic,
        disclaimer=raw["disclaimer"].strip().format(**fill),
        messages={key: _fill_message(key, text, fill) for key, text in raw["messages"].items()},
        menu=tuple(raw["menu"]),
        faqs=faqs,
        urgent_escalation=raw["escalation"]["urgent"].strip().format(**fill),
        emergency_escalation=raw["escalation"]["emergency"].strip().format(**fill),
        handoff=raw["handoff"].strip().format(**fill),
        booking=raw["booking"].strip().format(**fill),
        suitability=_suitability(raw, fill),
        cost_estimate=_cost_estimate(raw, fill),
        pricing=_pricing(raw),
    )
