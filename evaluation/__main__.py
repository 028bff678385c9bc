"""`make eval`: score the trained assistant and two baselines on the held-out set; write results/.

python -m evaluation [--skip-baselines]
"""

from __future__ import annotations

import argparse
import datetime
import platform
import sys

from evaluation.labelled_data import HOLDOUT_FILE, PROJECT_ROOT, faq_intents, load_labelled
from evaluation.metrics import QualityScores, score
from evaluation.report import confusion_matrix_image, markdown, write_json
from evaluation.systems import IntentSystem, RasaInitPipeline, RasaModelSystem, TfidfLogisticRegression
from service.launcher import DEFAULT_MODEL

RESULTS_DIR = PROJECT_ROOT / "results"
ASSISTANT_MODEL = DEFAULT_MODEL


def systems(skip_baselines: bool) -> list[IntentSystem]:
    assistant = RasaModelSystem(
        "assistant",
        "this project's trained model (config.yml: spaCy lemmas, char n-grams, MiniLM sentence embedding, "
        "logistic regression, FallbackClassifier) plus the action server's screens",
        ASSISTANT_MODEL,
    )
    return [assistant] if skip_baselines else [assistant, RasaInitPipeline(), TfidfLogisticRegression()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-baselines", action="store_true", help="score only the assistant")
    args = parser.parse_args()
    messages = load_labelled(HOLDOUT_FILE)
    faqs = set(faq_intents())
    RESULTS_DIR.mkdir(exist_ok=True)
    scores: dict[str, QualityScores] = {}
    descriptions: dict[str, str] = {}
    for system in systems(args.skip_baselines):
        print(f"[eval] {system.name}: preparing", flush=True)
        system.prepare()
        predicted = system.predict([m.text for m in messages])
        scores[system.name] = score(messages, predicted, faqs)
        descriptions[system.name] = system.description
        if system.name == "assistant":
            confusion_matrix_image(
                RESULTS_DIR / "confusion_matrix.png",
                [m.intent for m in messages],
                predicted,
                f"Assistant on the held-out set ({len(messages)} messages)",
            )
    counts = (
        f"{len(messages)} messages: {sum(m.intent in faqs for m in messages)} FAQ, "
        f"{sum(m.intent == 'out_of_scope' for m in messages)} out-of-scope "
        f"({sum(m.near_miss for m in messages)} near-misses), "
        f"{sum(m.intent == 'report_complication' for m in messages)} complication reports"
    )
    header = (
        f"# Answer quality on the held-out set\n\n{HOLDOUT_FILE.relative_to(PROJECT_ROOT)}: {counts}. "
        f"Measured {datetime.date.today().isoformat()} on {platform.machine()} / Python {platform.python_version()} "
        "with `make eval`. Every system's predictions go through the same action-server screens (complication "
        "and unreadable-input), because a baseline would replace only the NLU pipeline."
    )
    report = markdown(scores, descriptions, header)
    (RESULTS_DIR / "eval.md").write_text(report)
    write_json(RESULTS_DIR / "eval.json", scores, {"held_out": counts})
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
