"""`make tune`: choose the FallbackClassifier thresholds on a validation split of data/nlu, never on tests/.

Trains config.yml's NLU pipeline on a stratified 80% of data/nlu, parses the
other 20%, and replays the fallback decision for a grid of (threshold,
ambiguity_threshold) pairs from the classifier's own ranking. The rule: the
highest in-scope accuracy among pairs that answer at most MAX_WRONG_ANSWER_RATE
of messages with another topic and keep at least MIN_OUT_OF_SCOPE_KEPT of the
out-of-scope ones away from FAQ answers; on a tie, the higher (more cautious) thresholds.
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass

from evaluation.labelled_data import DOMAIN_FILE, OUT_OF_SCOPE, PROJECT_ROOT, TRAINING_DATA_DIR, faq_intents
from evaluation.systems import RasaModelSystem

WORK_DIR = PROJECT_ROOT / "build" / "eval" / "validation"
SPLIT_SEED = 7
VALIDATION_SHARE = 0.2
THRESHOLDS = (0.2, 0.3, 0.4, 0.5, 0.6)
AMBIGUITIES = (0.0, 0.05, 0.1, 0.15, 0.2)
MAX_WRONG_ANSWER_RATE = 0.02
MIN_OUT_OF_SCOPE_KEPT = 0.95


@dataclass(frozen=True)
class Parsed:
    """A validation message: its label and the classifier's top-2 ranking (before any fallback)."""

    intent: str
    ranking: list[tuple[str, float]]


@dataclass(frozen=True)
class ThresholdResult:
    threshold: float
    ambiguity: float
    in_scope_accuracy: float
    out_of_scope_kept: float
    wrong_answer_rate: float
    fallbacks: int


def stratified_split(examples: list, share: float, seed: int) -> tuple[list, list]:
    """Per intent, a seeded shuffle; the first ``share`` (at least one) goes to validation."""
    by_intent: dict[str, list] = {}
    for example in examples:
        by_intent.setdefault(example.get("intent"), []).append(example)
    rng = random.Random(seed)
    train, validation = [], []
    for intent in sorted(by_intent):
        group = sorted(by_intent[intent], key=lambda example: example.get("text"))
        rng.shuffle(group)
        cut = max(1, int(len(group) * share))
        validation += group[:cut]
        train += group[cut:]
    return train, validation


def decide(ranking: list[tuple[str, float]], threshold: float, ambiguity: float) -> str:
    """Rasa's FallbackClassifier rule on a ranking."""
    (top, confidence), runner_up = ranking[0], (ranking[1][1] if len(ranking) > 1 else 0.0)
    if confidence < threshold or confidence - runner_up < ambiguity:
        return "nlu_fallback"
    return top


def sweep(parsed: list[Parsed], faqs: set[str]) -> list[ThresholdResult]:
    results = []
    for threshold in THRESHOLDS:
        for ambiguity in AMBIGUITIES:
            final = [decide(p.ranking, threshold, ambiguity) for p in parsed]
            in_scope = [(p, f) for p, f in zip(parsed, final, strict=True) if p.intent != OUT_OF_SCOPE]
            out_of_scope = [f for p, f in zip(parsed, final, strict=True) if p.intent == OUT_OF_SCOPE]
            wrong = sum(f in faqs and f != p.intent for p, f in zip(parsed, final, strict=True))
            results.append(
                ThresholdResult(
                    threshold,
                    ambiguity,
                    sum(p.intent == f for p, f in in_scope) / len(in_scope),
                    sum(f not in faqs for f in out_of_scope) / len(out_of_scope),
                    wrong / len(parsed),
                    sum(f == "nlu_fallback" for f in final),
                )
            )
    return results


def at_least_as_good(a: ThresholdResult, b: ThresholdResult) -> bool:
    """``a`` is no worse than ``b`` on all three measures: in-scope accuracy, out-of-scope kept, wrong answers."""
    return (
        a.in_scope_accuracy >= b.in_scope_accuracy
        and a.out_of_scope_kept >= b.out_of_scope_kept
        and a.wrong_answer_rate <= b.wrong_answer_rate
    )


def improve_on(results: list[ThresholdResult], current: tuple[float, float]) -> ThresholdResult | None:
    """When no pair meets the targets: among the pairs at least as good as the current one on every
    measure, the one with the fewest wrong answers (the target furthest from reach), then the most
    accurate; the current pair itself when nothing beats it, None when it is not in the grid.

    A move that cannot make any of the three measures worse needs no trade-off to be weighed.
    """
    baseline = next((r for r in results if (r.threshold, r.ambiguity) == current), None)
    if baseline is None:
        return None
    better = [r for r in results if at_least_as_good(r, baseline)]
    return max(better, key=lambda r: (-r.wrong_answer_rate, r.in_scope_accuracy, r.out_of_scope_kept, r.threshold))


def current_thresholds() -> tuple[float, float]:
    """config.yml's FallbackClassifier (threshold, ambiguity_threshold)."""
    import yaml

    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    fallback = next(c for c in config["pipeline"] if c["name"] == "FallbackClassifier")
    return float(fallback["threshold"]), float(fallback["ambiguity_threshold"])


def choose(results: list[ThresholdResult]) -> ThresholdResult | None:
    allowed = [
        r
        for r in results
        if r.wrong_answer_rate <= MAX_WRONG_ANSWER_RATE and r.out_of_scope_kept >= MIN_OUT_OF_SCOPE_KEPT
    ]
    if not allowed:
        return None
    # On a tie, the more cautious pair (higher thresholds) wins: same accuracy, fewer risky answers elsewhere.
    return max(allowed, key=lambda r: (r.in_scope_accuracy, r.threshold, r.ambiguity))


def parse_validation_split() -> list[Parsed]:
    """Train config.yml's NLU on 80% of data/nlu and rank the intents of the other 20%."""
    from rasa.model_training import train_nlu
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.training_data import TrainingData

    train, validation = stratified_split(
        load_data(str(TRAINING_DATA_DIR)).intent_examples, VALIDATION_SHARE, SPLIT_SEED
    )
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    RasaYAMLWriter().dump(WORK_DIR / "train.yml", TrainingData(train))
    train_nlu(
        str(PROJECT_ROOT / "config.yml"),
        str(WORK_DIR / "train.yml"),
        str(WORK_DIR),
        fixed_model_name="model",
        domain=str(DOMAIN_FILE),
    )
    model = RasaModelSystem("validation model", "config.yml trained on 80% of data/nlu", WORK_DIR / "model.tar.gz")
    model.prepare()
    parsed = []
    for example, result in zip(validation, model.parse([e.get("text") for e in validation]), strict=True):
        ranking = [(r["name"], r["confidence"]) for r in result["intent_ranking"] if r["name"] != "nlu_fallback"]
        parsed.append(Parsed(example.get("intent"), ranking[:2]))
    return parsed


def main() -> int:
    parsed = parse_validation_split()
    results = sweep(parsed, set(faq_intents()))
    print(f"\nValidation split: {len(parsed)} messages (seed {SPLIT_SEED}, {VALIDATION_SHARE:.0%} per intent)\n")
    print("| threshold | ambiguity | in-scope accuracy | out-of-scope kept | wrong-answer rate | fallbacks |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r.threshold} | {r.ambiguity} | {r.in_scope_accuracy:.3f} | {r.out_of_scope_kept:.3f} "
            f"| {r.wrong_answer_rate:.3f} | {r.fallbacks} |"
        )
    best = choose(results)
    if best is None:
        current = current_thresholds()
        best = improve_on(results, current)
        if best is None:
            print(f"\nNo pair meets the constraints, and config.yml's pair {current} is not in the grid.")
            return 1
        print(
            f"\nNo pair meets the constraints (wrong answers <= {MAX_WRONG_ANSWER_RATE}, out-of-scope kept >= "
            f"{MIN_OUT_OF_SCOPE_KEPT}); the pair at least as good as config.yml's {current} on every measure:"
        )
    print(f"\nChosen: threshold {best.threshold}, ambiguity_threshold {best.ambiguity} (set them in config.yml)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
