"""The MPNet experiment's own parts: SmoothQuant's rewrite is exact in float32, and MPNet's relative positions
fall in the buckets the published model uses. (The experiment itself needs 404 MB of weights: make mpnet-experiment.)"""

from __future__ import annotations

import numpy as np

from evaluation.mpnet_experiment import relative_position_buckets, smoothed
from sentence_encoder.quantized_layers import build_float_graph


def _tiny_bert(width: int = 8, layers: int = 2) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    tensors: dict[str, np.ndarray] = {}
    shapes = {
        "attention.self.query": (width, width),
        "attention.self.key": (width, width),
        "attention.self.value": (width, width),
        "attention.output.dense": (width, width),
        "intermediate.dense": (4 * width, width),
        "output.dense": (width, 4 * width),
    }
    for index in range(layers):
        prefix = f"encoder.layer.{index}"
        for name, shape in shapes.items():
            tensors[f"{prefix}.{name}.weight"] = rng.normal(size=shape).astype(np.float32)
            tensors[f"{prefix}.{name}.bias"] = rng.normal(size=shape[0]).astype(np.float32)
        for norm in ("attention.output.LayerNorm", "output.LayerNorm"):
            tensors[f"{prefix}.{norm}.weight"] = np.ones(width, np.float32)
            tensors[f"{prefix}.{norm}.bias"] = np.zeros(width, np.float32)
    return tensors


def test_smoothing_moves_scale_into_the_weights_without_changing_the_float_result() -> None:
    import onnxruntime

    graph = build_float_graph(_tiny_bert(), {"hidden_size": 8, "num_attention_heads": 2, "num_hidden_layers": 2})
    from onnx import numpy_helper

    weights = {i.name: numpy_helper.to_array(i) for i in graph.graph.initializer}
    inputs = {n.input[0]: weights[n.input[1]].shape[0] for n in graph.graph.node if n.input[-1] in weights}
    rng = np.random.default_rng(3)
    # One channel a hundred times the others, as in MPNet's residual stream.
    maxima = {name: np.abs(rng.normal(size=width)) + 0.1 for name, width in inputs.items() if name != "hidden"}
    maxima = {name: np.where(np.arange(len(m)) == 1, m * 100, m) for name, m in maxima.items()}
    maxima["hidden"] = np.ones(8)
    rewritten = smoothed(graph, maxima, alpha=0.9)
    hidden = rng.normal(size=(1, 5, 8)).astype(np.float32)
    bias = np.zeros((1, 1, 1, 5), np.float32)

    def run(model: object) -> np.ndarray:
        session = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        return np.asarray(session.run(["output"], {"hidden": hidden, "attention_bias": bias})[0])

    assert sum(n.op_type == "Mul" for n in rewritten.graph.node) > sum(n.op_type == "Mul" for n in graph.graph.node)
    np.testing.assert_allclose(run(rewritten), run(graph), atol=1e-4)


def test_relative_positions_fall_in_mpnet_buckets() -> None:
    buckets = relative_position_buckets(130)
    assert buckets[0, 0] == 0
    assert buckets[0, 1] == 17 and buckets[1, 0] == 1  # later keys use the upper half
    assert buckets[0, 7] == 23 and buckets[7, 0] == 7  # exact up to 8 apart
    assert buckets[0, 129] == 31 and buckets[129, 0] == 15  # far offsets share the last bucket
    assert np.all(np.diff(buckets[0, 1:]) >= 0)  # logarithmic, never decreasing with distance
