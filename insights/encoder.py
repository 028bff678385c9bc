"""The NLU's sentence encoder (all-MiniLM-L6-v2), set up for encoding a report's messages in batches.

Why not the served int8 layers: they exist only inside a trained model and run
one message at a time (dynamic quantization scales a whole batch together).
The report encodes hundreds of messages at once, so it runs the float32 layers
as an ONNX graph over padded batches: the same embeddings as the NumPy
reference (cosine 0.9999999) at about a quarter of its time on this machine.
Without onnxruntime it falls back to the NumPy reference.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from microneedling_nlp.sentence_encoder import MiniLMWeights, SentenceEncoder

BATCH_SIZE = 64

Embed = Callable[[list[str]], np.ndarray]


class _BatchedOnnxLayers:
    """The float32 transformer layers in one ONNX Runtime session, a whole padded batch per call."""

    def __init__(self, weights: MiniLMWeights) -> None:
        import onnxruntime

        from microneedling_nlp.quantized_layers import build_float_graph

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # the machine is shared with the assistant itself
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        model = build_float_graph(weights.tensors, weights.config).SerializeToString()
        self._session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])

    def __call__(self, hidden: np.ndarray, attention_bias: np.ndarray) -> np.ndarray:
        return self._session.run(["output"], {"hidden": hidden, "attention_bias": attention_bias})[0]


def sentence_encoder() -> Embed:
    """A function from texts to L2-normalised embeddings, shape (len(texts), 384)."""
    weights = MiniLMWeights.from_installed_package()
    try:
        layers = _BatchedOnnxLayers(weights)
    except ImportError:
        layers = None
    encoder = SentenceEncoder(weights, layers)
    return lambda texts: encoder.encode(texts, batch_size=BATCH_SIZE)
