"""The NLU's sentence encoder (all-MiniLM-L6-v2), set up for encoding a report's messages.

Preferred: the int8 layers stored in the trained model (the exact embeddings
the assistant's NLU computes, ~1.5 ms of CPU a message, read from the archive
in ~0.1 s). Without a trained model: the float32 layers as an ONNX graph over
padded batches, the NumPy reference's embeddings (cosine 0.9999999) at ~2.6 ms
a message. Without onnxruntime: the NumPy reference itself.
"""

from __future__ import annotations

import tarfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from sentence_encoder.encoder import MiniLMWeights, SentenceEncoder, TransformerLayers

BATCH_SIZE = 32
SERVED_LAYERS_FILE = (
    "minilm_layers_int8.onnx"  # nlu_components/featurizers/sentence_embedding_featurizer.py LAYERS_FILE
)

Embed = Callable[[list[str]], np.ndarray]


class _BatchedOnnxLayers:
    """The float32 transformer layers in one ONNX Runtime session, a whole padded batch per call."""

    def __init__(self, weights: MiniLMWeights) -> None:
        import onnxruntime

        from sentence_encoder.quantized_layers import build_float_graph

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # the machine is shared with the assistant itself
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        model = build_float_graph(weights.tensors, weights.config).SerializeToString()
        self._session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])

    def __call__(self, hidden: np.ndarray, attention_bias: np.ndarray) -> np.ndarray:
        return self._session.run(["output"], {"hidden": hidden, "attention_bias": attention_bias})[0]


def served_layers(model: Path) -> bytes | None:
    """The int8 layers inside a trained model archive, or None if there is no such model."""
    try:
        with tarfile.open(model) as archive:
            for member in archive:
                if member.name.endswith(f"/{SERVED_LAYERS_FILE}"):
                    stored = archive.extractfile(member)
                    return stored.read() if stored else None
    except (OSError, tarfile.TarError):
        return None
    return None


def _layers(weights: MiniLMWeights, model: Path | None) -> TransformerLayers | None:
    try:
        layers = served_layers(model) if model is not None else None
        if layers is not None:
            from sentence_encoder.quantized_layers import OnnxTransformerLayers

            return OnnxTransformerLayers(layers)
        return _BatchedOnnxLayers(weights)
    except ImportError:
        return None


def sentence_encoder(model: Path | None = None) -> Embed:
    """A function from texts to L2-normalised embeddings, shape (len(texts), 384).

    ``model``: a trained model archive whose int8 layers to use; None (or a
    missing file) uses the float32 layers.
    """
    weights = MiniLMWeights.from_installed_package()
    encoder = SentenceEncoder(weights, _layers(weights, model))
    return lambda texts: encoder.encode(texts, batch_size=BATCH_SIZE)
