"""Rasa featurizer: an all-mpnet-base-v2 embedding, added only to messages the first classifier is unsure of.

Why a cascade: MPNet is the stronger encoder (blind-written validation set,
classifier approximation: right answers 0.861 -> 0.882, wrong answers 0.083 ->
0.061, out-of-scope kept 0.801 -> 0.848, complication reports 123 -> 132 of 140,
false alarms 26 -> 14; `make mpnet-experiment`), but even its first 8 of 12 layers
take 12-28 ms per message on one core against MiniLM's 2 ms. So it sits after the
first LinearIntentClassifier: a message whose top intent has at least
``below_confidence`` keeps MiniLM's answer and costs nothing more; the others (about
a fifth of the blind-written messages) get this embedding, and a second
LinearIntentClassifier configured with ``only_when_featurized_by`` re-ranks them.

Every training example is embedded, so the second classifier learns from all of them.

"Training" calibrates SmoothQuant on every 25th training text, quantizes the first
``layers`` layers to int8 and stores them in the model archive (~57 MB for 8
layers); the token embedding tables are read, memory-mapped, from ``model_dir``.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.code_fingerprint import PROJECT_ROOT, CodeFingerprinted
from sentence_encoder.mpnet import CALIBRATE_EVERY, MPNetEncoder, MPNetWeights, int8_layers

LAYERS_FILE = "mpnet_layers_int8.onnx"


def first_confidence(message: Message) -> float:
    """The confidence of the intent the classifiers before this component chose (0 when none did)."""
    intent = message.get(INTENT) or {}
    return float(intent.get("confidence") or 0.0)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class UnsureMessageEmbeddingFeaturizer(CodeFingerprinted, DenseFeaturizer, GraphComponent):
    """Adds a 768-dimensional all-mpnet-base-v2 embedding to training examples and to unsure messages."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            # The joined sentence-transformers folder (python -m sentence_encoder.mpnet_package build/mpnet).
            "model_dir": "build/mpnet/all-mpnet-base-v2",
            # MPNet's first layers only: 8 of 12 take a third less time, and on the blind-written set
            # the 8-layer cascade caught more complication reports with fewer false alarms.
            "layers": 8,
            # SmoothQuant's migration strength: 0.9 gave int8 cosine >= 0.96 to float32 (0.5: 0.43).
            "smoothquant_alpha": 0.9,
            # Messages whose first top intent is at least this sure are not embedded (1.01: every message).
            "below_confidence": 0.8,
        }

    def __init__(
        self,
        config: dict[str, Any],
        name: str,
        model_storage: ModelStorage,
        resource: Resource,
        encoder: MPNetEncoder | None = None,
    ) -> None:
        super().__init__(name, {**self.get_default_config(), **config})
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

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """Layers, alpha and the confidence bound must be in range; the weights need not exist until training."""
        config = {**cls.get_default_config(), **config}
        if int(config["layers"]) < 1:
            raise ValueError("UnsureMessageEmbeddingFeaturizer's 'layers' must be at least 1")
        if not 0.0 <= float(config["smoothquant_alpha"]) <= 1.0:
            raise ValueError("UnsureMessageEmbeddingFeaturizer's 'smoothquant_alpha' must be within 0..1")
        if float(config["below_confidence"]) <= 0.0:
            raise ValueError("UnsureMessageEmbeddingFeaturizer's 'below_confidence' must be positive")

    @staticmethod
    def required_packages() -> list[str]:
        return ["onnx", "onnxruntime"]

    def _weights(self) -> MPNetWeights:
        return MPNetWeights(PROJECT_ROOT / str(self._config["model_dir"]))

    def train(self, training_data: TrainingData) -> Resource:
        """Calibrate, quantize and store the layers (about 20 s for 8 layers)."""
        texts = [m.get(TEXT) for m in training_data.training_examples if m.get(TEXT)]
        model = int8_layers(
            self._weights(),
            texts[::CALIBRATE_EVERY],
            float(self._config["smoothquant_alpha"]),
            int(self._config["layers"]),
        )
        with self._model_storage.write_to(self._resource) as directory:
            (directory / LAYERS_FILE).write_bytes(model)
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
        """The stored int8 layers behind MPNet's tokenizer and mapped embedding tables."""
        component = cls(config, execution_context.node_name, model_storage, resource)
        with model_storage.read_from(resource) as directory:
            component._encoder = MPNetEncoder(component._weights(), (directory / LAYERS_FILE).read_bytes())
        return component

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Every training example gets the embedding: the second classifier learns from all of them."""
        self._add_embeddings([m for m in training_data.training_examples if m.get(TEXT)])
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Only messages the first classifier is unsure of get the embedding (and so the second opinion)."""
        below = float(self._config["below_confidence"])
        self._add_embeddings([m for m in messages if m.get(TEXT) and first_confidence(m) < below])
        return messages

    def _add_embeddings(self, messages: list[Message]) -> None:
        if not messages:
            return
        if self._encoder is None:
            raise RuntimeError(f"{type(self).__name__} was asked to embed before it was trained or loaded.")
        embeddings = self._encoder.encode([str(message.get(TEXT)) for message in messages])
        for message, embedding in zip(messages, embeddings, strict=True):
            self.add_features_to_message(sequence=None, sentence=embedding[None, :], attribute=TEXT, message=message)
