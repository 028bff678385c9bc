"""`make eval`: score the trained assistant and two baselines on the held-out and real-world sets; write results/.

End to end: the assistant is asked through its REST webhook (real servers),
each baseline's parse goes through the same rules and actions in-process, and
every reply is read back as what the person saw (evaluation.reply_outcome).
The intent-level table of the held-out set is kept as before.

python -m evaluation [--skip-baselines]
"""

from __future__ import annotations

import argparse
import datetime
import platform
import sys

import docgen
from actions.knowledge_loader import DEFAULT_KNOWLEDGE_FILE, load_knowledge_base
from evaluation.action_replay import ActionReplay
from evaluation.answer_metrics import AnswerScores, answer_scores, scores_by_real_world_part
from evaluation.labelled_data import (
    BLIND_WRITTEN_FILE,
    HOLDOUT_FILE,
    PROJECT_ROOT,
    REAL_WORLD_DEV_FILE,
    REAL_WORLD_FILE,
    REAL_WORLD_VALIDATION_2_FILE,
    REAL_WORLD_VALIDATION_FILE,
    LabelledMessage,
    faq_intents,
    load_labelled,
    load_real_world,
)
from evaluation.metrics import QualityScores, score
from evaluation.reply_outcome import ReplyOutcome, ReplyReader
from evaluation.report import (
    EVAL_COMMAND,
    answer_markdown,
    confusion_matrix_image,
    markdown,
    summary_markdown,
    write_json,
)
from evaluation.systems import IntentSystem, RasaInitPipeline, RasaModelSystem, TfidfLogisticRegression
from evaluation.webhook_replies import webhook_replies
from service.launcher import DEFAULT_MODEL

RESULTS_DIR = PROJECT_ROOT / "results"
EVALUATION_DOC = PROJECT_ROOT / "docs" / "evaluation.md"
ASSISTANT = "assistant"


def systems(skip_baselines: bool) -> list[IntentSystem]:
    assistant = RasaModelSystem(
        ASSISTANT,
        "this project's trained model (config.yml: spaCy lemmas, char n-grams, MiniLM sentence embedding, "
        "logistic regression, FallbackClassifier), asked through the REST webhook of the real servers",
        DEFAULT_MODEL,
    )
    return [assistant] if skip_baselines else [assistant, RasaInitPipeline(), TfidfLogisticRegression()]


def message_sets() -> dict[str, list[LabelledMessage]]:
    sets = {"held-out": load_labelled(HOLDOUT_FILE)}
    if REAL_WORLD_FILE.exists():
        sets["real-world"] = load_real_world(REAL_WORLD_FILE)
    if REAL_WORLD_DEV_FILE.exists():
        sets["real-world extra dev"] = load_real_world(REAL_WORLD_DEV_FILE)
    if BLIND_WRITTEN_FILE.exists():
        sets["blind-written validation"] = load_real_world(BLIND_WRITTEN_FILE)
    if REAL_WORLD_VALIDATION_FILE.exists():
        sets["real-world validation"] = load_real_world(REAL_WORLD_VALIDATION_FILE)
    if REAL_WORLD_VALIDATION_2_FILE.exists():
        sets["real-world validation 2"] = load_real_world(REAL_WORLD_VALIDATION_2_FILE)
    return sets


def describe(messages: list[LabelledMessage], faqs: set[str]) -> str:
    return (
        f"{len(messages)} messages: {sum(m.intent in faqs for m in messages)} FAQ questions, "
        f"{sum(m.intent == 'out_of_scope' for m in messages)} out-of-scope "
        f"({sum(m.near_miss for m in messages)} near-misses), "
        f"{sum(m.intent == 'report_complication' for m in messages)} complication reports"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-baselines", action="store_true", help="score only the assistant")
    args = parser.parse_args()
    sets = message_sets()
    faqs = set(faq_intents())
    reader = ReplyReader(load_knowledge_base(DEFAULT_KNOWLEDGE_FILE))
    replay = ActionReplay()
    RESULTS_DIR.mkdir(exist_ok=True)
    all_texts = [m.text for messages in sets.values() for m in messages]

    print("[eval] assistant: asking every message through the REST webhook", flush=True)
    log_dir = RESULTS_DIR / "eval-servers"
    log_dir.mkdir(exist_ok=True)
    served = iter(webhook_replies(all_texts, log_dir=log_dir))
    webhook_outcomes = {name: [reader.read(next(served)) for _ in messages] for name, messages in sets.items()}

    intent_scores: dict[str, QualityScores] = {}
    answers: dict[str, dict[str, AnswerScores]] = {name: {} for name in sets}
    descriptions: dict[str, str] = {}
    disagreements: list[str] = []
    for system in systems(args.skip_baselines):
        print(f"[eval] {system.name}: preparing", flush=True)
        system.prepare()
        descriptions[system.name] = system.description
        for set_name, messages in sets.items():
            texts = [m.text for m in messages]
            parses = system.parse(texts)
            replayed = [reader.read(replay.reply(t, p)) for t, p in zip(texts, parses, strict=True)]
            outcomes: list[ReplyOutcome] = replayed
            if system.name == ASSISTANT:
                outcomes = webhook_outcomes[set_name]
                disagreements += [
                    f"{set_name}: {t!r}: webhook {w.label()}, replay {r.label()}"
                    for t, w, r in zip(texts, outcomes, replayed, strict=True)
                    if w != r
                ]
            answers[set_name][system.name] = answer_scores(messages, outcomes, faqs)
            if set_name == "real-world":
                for part, part_scores in scores_by_real_world_part(messages, outcomes, faqs).items():
                    answers.setdefault(f"real-world {part} part", {})[system.name] = part_scores
            if set_name == "held-out":
                predicted = [p["intent"].get("name") for p in parses]
                intent_scores[system.name] = score(messages, predicted, faqs)
                if system.name == ASSISTANT:
                    confusion_matrix_image(
                        RESULTS_DIR / "confusion_matrix.png",
                        [m.intent for m in messages],
                        predicted,
                        f"Assistant on the held-out set ({len(messages)} messages)",
                    )

    counts = {name: describe(messages, faqs) for name, messages in sets.items()}
    measured = (
        f"Measured {datetime.date.today().isoformat()} on {platform.machine()} / Python "
        f"{platform.python_version()} with `make eval`."
    )
    sections = [
        "# Answer quality\n\n" + measured + " Each message opens a new conversation.\n",
        "Sets: " + "; ".join(f"**{name}** ({counts[name]})" for name in sets) + ". The real-world set is "
        "also shown in its two parts: the dev part was read while improving the assistant, the test part never. "
        "The extra dev set (tests/nlu/real_world_dev.yml, other pages) was read in full while improving it. "
        "The two real-world validation sets (tests/nlu/real_world_validation.yml and real_world_validation_2.yml, "
        "other pages again) are never read: only their aggregate figures check choices made on the blind-written "
        "set.\n",
        f"The assistant's replies through the webhook and through the in-process action replay used for the "
        f"baselines differ on {len(disagreements)} of {len(all_texts)} messages.\n",
    ]
    for set_name in answers:
        sections.append(answer_markdown(set_name, answers[set_name], ASSISTANT))
    sections.append(
        markdown(
            intent_scores,
            descriptions,
            "## Intent level, held-out set\n\nThe classifier's intent against the label, with the action "
            "server's screens applied as before (the figures the held-out test asserts).",
        )
    )
    report = "\n".join(sections)
    (RESULTS_DIR / "eval.md").write_text(report)
    write_json(RESULTS_DIR / "eval.json", intent_scores, {"sets": counts}, answers)
    print(report)
    if not args.skip_baselines:  # only a full run, with both baselines, replaces the doc's figures
        docgen.write_section(EVALUATION_DOC, summary_markdown(answers, ASSISTANT, measured), EVAL_COMMAND)
        print(f"[eval] {EVALUATION_DOC.relative_to(PROJECT_ROOT)}: figures rewritten", flush=True)
    if disagreements:
        print("\n".join(["[eval] webhook and replay disagree:", *disagreements[:20]]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
