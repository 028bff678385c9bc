"""all-mpnet-base-v2 as int8 (sentence_encoder.mpnet), on a tiny random MPNet written in the same layout:
SmoothQuant's rewrite is exact in float32, calibration reads true maxima, relative positions fall in the
published model's buckets. (The real weights are 404 MB: make mpnet-weights.)"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sentence_encoder.mpnet import (
    MPNetEncoder,
    MPNetWeights,
    calibration_maxima,
    float_layers,
    int8_layers,
    mpnet_float_graph,
    relative_position_buckets,
    smoothed,
)
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


def _write_tiny_mpnet(folder: Path, width: int = 8, layers: int = 2) -> None:
    """A random two-layer MPNet in the sentence-transformers layout (config, vocabulary, safetensors)."""
    rng = np.random.default_rng(11)
    vocabulary = ["<s>", "<pad>", "</s>", "[UNK]", "needle", "skin", "red", "?"]
    tensors = {
        name.replace("attention.self.query", "attention.attn.q")
        .replace("attention.self.key", "attention.attn.k")
        .replace("attention.self.value", "attention.attn.v")
        .replace("attention.output.dense", "attention.attn.o")
        .replace("attention.output.LayerNorm", "attention.LayerNorm"): value
        for name, value in _tiny_bert(width, layers).items()
    }
    tensors["embeddings.word_embeddings.weight"] = rng.normal(size=(len(vocabulary), width)).astype(np.float32)
    tensors["embeddings.position_embeddings.weight"] = rng.normal(size=(40, width)).astype(np.float32)
    tensors["embeddings.LayerNorm.weight"] = np.ones(width, np.float32)
    tensors["embeddings.LayerNorm.bias"] = np.zeros(width, np.float32)
    tensors["encoder.relative_attention_bias.weight"] = rng.normal(size=(32, 2)).astype(np.float32)
    header, blobs, offset = {}, [], 0
    for name, value in tensors.items():
        blob = np.ascontiguousarray(value, dtype=np.float32).tobytes()
        header[name] = {"dtype": "F32", "shape": list(value.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    encoded = json.dumps(header).encode()
    (folder / "model.safetensors").write_bytes(len(encoded).to_bytes(8, "little") + encoded + b"".join(blobs))
    (folder / "vocab.txt").write_text("\n".join(vocabulary) + "\n", encoding="utf-8")
    config = {"hidden_size": width, "num_attention_heads": 2, "num_hidden_layers": layers}
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")


def test_calibration_reads_the_true_maxima_of_the_graph_input(tmp_path: Path) -> None:
    """ONNX Runtime returns a graph input asked back as an output as a view of the caller's buffer; read from a
    temporary, that gave maxima of 1e35 and ruined layer 0's SmoothQuant scales. The input's must be true."""
    _write_tiny_mpnet(tmp_path)
    weights = MPNetWeights(tmp_path)
    graph = mpnet_float_graph(weights.tensors, weights.config)
    texts = ["needle skin?", "red skin", "needle red needle skin red?"]
    maxima = calibration_maxima(weights, graph, texts)
    encoder = MPNetEncoder(weights, float_layers(weights))
    expected = np.max([np.abs(encoder.inputs(text)[0][0]).max(0) for text in texts], axis=0)
    np.testing.assert_allclose(maxima["hidden"], expected, rtol=1e-6)
    assert len(maxima) == 2 * 4  # query/key/value share an input: 4 distinct inputs per layer
    assert all(np.all(np.isfinite(m)) and m.max() < 1e3 for m in maxima.values())


def test_int8_encoder_gives_unit_embeddings_close_to_float(tmp_path: Path) -> None:
    _write_tiny_mpnet(tmp_path)
    weights = MPNetWeights(tmp_path)
    texts = ["needle skin?", "red skin", "needle red needle skin red?"]
    reference = MPNetEncoder(weights, float_layers(weights)).encode(texts)
    quantized = MPNetEncoder(weights, int8_layers(weights, texts, alpha=0.9, layers=None)).encode(texts)
    assert quantized.shape == (3, 8)
    np.testing.assert_allclose(np.linalg.norm(quantized, axis=1), 1.0, rtol=1e-5)
    assert np.sum(quantized * reference, axis=1).min() > 0.95


def test_missing_weights_say_how_to_fetch_them(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="make mpnet-weights"):
        MPNetWeights(tmp_path)
