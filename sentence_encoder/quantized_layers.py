"""MiniLM's transformer layers as an int8 ONNX graph, run by ONNX Runtime on one thread.

Why: a chat message is ~10-25 word pieces, so each layer is a handful of
(tokens x 384) by (384 x 1536) products. At that size the float32 layers are
bound by reading 42 MB of weights per message, and OpenBLAS re-packs every
weight matrix on every call: ~9 ms per message, a third of the Rasa server's
time. ONNX Runtime packs constant weights once when the session starts, and
per-channel int8 weights are a quarter of the bytes: ~1.5 ms per message in
isolation, ~2 ms in the server, with sentence embeddings at cosine >= 0.985 to
float32. (Per-tensor int8 was slower and lossier; float32 in ONNX Runtime was
still 5-9 ms.)

The graph is built from the same memory-mapped weights as the NumPy reference
(sentence_encoder.NumpyTransformerLayers), node for node, and quantized when
the Rasa model is trained, so the model archive carries the exact bytes it
was trained with. Only products with a constant weight are quantized; the
attention products between activations stay float32.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np

from sentence_encoder.encoder import LAYER_NORM_EPSILON

# ONNX opset 17 has LayerNormalization; ONNX Runtime fuses the erf-GELU pattern itself.
ONNX_OPSET = 17
ONNX_IR_VERSION = 8


class _GraphBuilder:
    """Accumulates named nodes and constant initializers of one ONNX graph."""

    def __init__(self) -> None:
        self.nodes: list = []
        self.initializers: list = []
        self._count = 0

    def constant(self, name: str, value: np.ndarray) -> str:
        from onnx import numpy_helper

        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def node(self, op: str, inputs: list[str], **attributes) -> str:
        from onnx import helper

        self._count += 1
        output = f"{op.lower()}_{self._count}"
        self.nodes.append(helper.make_node(op, inputs, [output], name=output, **attributes))
        return output


def build_float_graph(tensors: dict[str, np.ndarray], config: dict, layer_norm_epsilon: float = LAYER_NORM_EPSILON):
    """An ONNX model of the transformer layers: ``hidden`` (batch, length, width) and ``attention_bias`` in.

    ``layer_norm_epsilon`` is BERT's (MiniLM's) unless another model of the same shape says otherwise
    (MPNet: 1e-5, sentence_encoder.mpnet).
    """
    from onnx import TensorProto, helper

    width = config["hidden_size"]
    heads = config["num_attention_heads"]
    graph = _GraphBuilder()
    graph.constant("split_heads", np.array([0, 0, heads, width // heads], dtype=np.int64))
    graph.constant("merge_heads", np.array([0, 0, width], dtype=np.int64))
    graph.constant("score_scale", np.array(1.0 / math.sqrt(width // heads), dtype=np.float32))
    graph.constant("one_over_sqrt2", np.array(1.0 / math.sqrt(2.0), dtype=np.float32))
    graph.constant("one", np.array(1.0, dtype=np.float32))
    graph.constant("half", np.array(0.5, dtype=np.float32))

    def tensor(name: str) -> str:
        return graph.constant(name, np.asarray(tensors[name], dtype=np.float32))

    def linear(x: str, prefix: str) -> str:
        weight = graph.constant(f"{prefix}.weight.T", np.asarray(tensors[f"{prefix}.weight"], dtype=np.float32).T)
        return graph.node("Add", [graph.node("MatMul", [x, weight]), tensor(f"{prefix}.bias")])

    def layer_norm(x: str, prefix: str) -> str:
        return graph.node(
            "LayerNormalization",
            [x, tensor(f"{prefix}.weight"), tensor(f"{prefix}.bias")],
            axis=-1,
            epsilon=layer_norm_epsilon,
        )

    def heads_of(x: str, permutation: list[int]) -> str:
        return graph.node("Transpose", [graph.node("Reshape", [x, "split_heads"])], perm=permutation)

    hidden = "hidden"
    for index in range(config["num_hidden_layers"]):
        prefix = f"encoder.layer.{index}"
        query = heads_of(linear(hidden, f"{prefix}.attention.self.query"), [0, 2, 1, 3])
        key = heads_of(linear(hidden, f"{prefix}.attention.self.key"), [0, 2, 3, 1])
        value = heads_of(linear(hidden, f"{prefix}.attention.self.value"), [0, 2, 1, 3])
        scores = graph.node(
            "Add", [graph.node("Mul", [graph.node("MatMul", [query, key]), "score_scale"]), "attention_bias"]
        )
        weights = graph.node("Softmax", [scores], axis=-1)
        context = graph.node("Transpose", [graph.node("MatMul", [weights, value])], perm=[0, 2, 1, 3])
        context = graph.node("Reshape", [context, "merge_heads"])
        attended = linear(context, f"{prefix}.attention.output.dense")
        hidden = layer_norm(graph.node("Add", [attended, hidden]), f"{prefix}.attention.output.LayerNorm")
        pre_activation = linear(hidden, f"{prefix}.intermediate.dense")
        erf = graph.node("Erf", [graph.node("Mul", [pre_activation, "one_over_sqrt2"])])
        activated = graph.node("Mul", [graph.node("Mul", [pre_activation, "half"]), graph.node("Add", [erf, "one"])])
        output = linear(activated, f"{prefix}.output.dense")
        hidden = layer_norm(graph.node("Add", [output, hidden]), f"{prefix}.output.LayerNorm")
    graph.nodes.append(helper.make_node("Identity", [hidden], ["output"], name="output"))

    model = helper.make_model(
        helper.make_graph(
            graph.nodes,
            "minilm_layers",
            [
                helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["batch", "length", width]),
                helper.make_tensor_value_info("attention_bias", TensorProto.FLOAT, ["batch", 1, 1, "length"]),
            ],
            [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", "length", width])],
            graph.initializers,
        ),
        opset_imports=[helper.make_opsetid("", ONNX_OPSET)],
    )
    model.ir_version = ONNX_IR_VERSION
    return model


def quantize_int8(model) -> bytes:
    """Per-channel int8 weights for every product with a constant weight (ONNX Runtime's dynamic scheme)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    onnx.checker.check_model(model)
    with tempfile.TemporaryDirectory() as work:
        source, target = Path(work) / "float.onnx", Path(work) / "int8.onnx"
        onnx.save(model, source)
        quantize_dynamic(
            source,
            target,
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["MatMul"],
            extra_options={"MatMulConstBOnly": True},
        )
        return target.read_bytes()


def single_thread_session(model_bytes: bytes):  # -> onnxruntime.InferenceSession (imported lazily)
    """An ONNX Runtime session on one thread with every graph optimisation, as the server runs its encoders."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    return onnxruntime.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])


class OnnxTransformerLayers:
    """Runs a layers graph (float or int8) in an ONNX Runtime session pinned to one thread.

    One thread: the server answers one message at a time per core, and on 2
    cores a second thread only fought the action server and the HTTP stack.
    """

    def __init__(self, model_bytes: bytes) -> None:
        self._session = single_thread_session(model_bytes)

    def __call__(self, hidden: np.ndarray, attention_bias: np.ndarray) -> np.ndarray:
        """Each message alone, without its padding.

        Dynamic quantization scales a whole input tensor at once, so in a batch
        one message's values (and its padding) would change another's
        embedding; run alone, a training example gets exactly the embedding
        the server computes for the same text.
        """
        output = np.zeros_like(hidden)
        lengths = (attention_bias[:, 0, 0, :] == 0).sum(axis=1)
        for row, length in enumerate(lengths):
            output[row, :length] = self._session.run(
                ["output"],
                {
                    "hidden": hidden[row : row + 1, :length],
                    "attention_bias": attention_bias[row : row + 1, :, :, :length],
                },
            )[0][0]
        return output
