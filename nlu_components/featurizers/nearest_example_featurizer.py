"""Rasa featurizer: how close a message comes to each intent's nearest training example.

Why: the linear classifier draws one straight boundary per intent through the
sentence-embedding space, so a question phrased like one particular training
example but unlike the intent's average ("Minoxidil And Microneedling: A Guide
For Men" among the hair-growth questions) can land on the wrong side. The
similarity to each intent's *closest* example is a nearest-neighbour signal the
linear model cannot build from the embedding itself. Through the whole pipeline
it lifted in-scope accuracy on the validation split of data/nlu from 0.865 to
0.869 and, end to end, right answers on the second development set from 0.688 to
0.714 (docs/evaluation.md).

The feature is, per intent (in a fixed order), ``exp(sharpness * cos)`` of the
message's embedding with that intent's nearest stored example; the exponential
makes the nearest intents stand out before the classifier scales the block to
unit length. Training examples are featurized leaving out every stored example
with their own text, so the classifier learns from neighbours as a new message
would see them, not from a perfect match with itself.
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

EXAMPLES_FILE = "nearest_examples.npz"


def sentence_embedding(message: Message, source: str | list[str]) -> np.ndarray | None:
    """The dense sentence feature the ``source`` featurizer added to the message's text, or None.

    Several sources give their parts as unit vectors side by side (scaled to unit length by the caller), and None
    unless every one of them featurized the message: a second-opinion featurizer skips confident messages,
    and half a vector would be compared with whole stored ones.
    """
    if isinstance(source, str):
        _, sentence = message.get_dense_features(TEXT, [source])
        return None if sentence is None else np.asarray(sentence.features, dtype=np.float32).ravel()
    parts = [sentence_embedding(message, alias) for alias in source]
    if any(part is None for part in parts):
        return None
    return np.concatenate([part / (np.linalg.norm(part) or 1.0) for part in parts if part is not None])


class NearestExamples:
    """Unit-length example embeddings grouped by intent: the per-intent maximum cosine in one product."""

    def __init__(self, embeddings: np.ndarray, intents: list[str], texts: list[str]) -> None:
        order = np.argsort(np.asarray(intents), kind="stable")
        self.embeddings = embeddings[order]
        self.texts = [texts[i] for i in order]
        # Rows are sorted by intent: each intent's block starts at its first row.
        unique_intents, self.starts = np.unique(np.asarray(intents)[order], return_index=True)
        self.intents = [str(intent) for intent in unique_intents]
        self._rows_by_text: dict[str, list[int]] = {}
        for row, text in enumerate(self.texts):
            self._rows_by_text.setdefault(text, []).append(row)

    def nearest_similarities(self, embedding: np.ndarray, exclude_text: str | None = None) -> np.ndarray:
        """Per intent, the highest cosine between ``embedding`` and that intent's examples.

        Examples whose text is ``exclude_text`` are left out; an intent with no example left gets -1.
        """
        similarities = self.embeddings @ embedding
        if exclude_text is not None:
            similarities[self._rows_by_text.get(exclude_text, [])] = -np.inf
        nearest = np.maximum.reduceat(similarities, self.starts)
        return np.where(np.isfinite(nearest), nearest, -1.0).astype(np.float32)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class NearestExampleFeaturizer(CodeFingerprinted, DenseFeaturizer, GraphComponent):
    """Adds, per intent, how near the message comes to that intent's closest training example."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            # Alias of the featurizer whose sentence embedding is compared, or a list of aliases whose
            # embeddings are joined side by side (the message is featurized only when all of them embedded it).
            "source": "sentence_embedding",
            # exp(sharpness * cosine): chosen on the validation split of data/nlu.
            "sharpness": 10.0,
        }

    def __init__(
        self,
        config: dict[str, Any],
        name: str,
        model_storage: ModelStorage,
        resource: Resource,
        examples: NearestExamples | None = None,
    ) -> None:
        super().__init__(name, {**self.get_default_config(), **config})
        self._model_storage = model_storage
        self._resource = resource
        self._examples = examples

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        return cls(config, execution_context.node_name, model_storage, resource)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """The source alias (or a list of them) must be named and the sharpness positive."""
        source = config.get("source")
        if not source or (
            not isinstance(source, str)
            and not (isinstance(source, list) and all(isinstance(alias, str) and alias for alias in source))
        ):
            raise ValueError(
                "NearestExampleFeaturizer needs 'source': the alias of a sentence-embedding featurizer, or a list"
            )
        if float(config.get("sharpness", 10.0)) <= 0:
            raise ValueError("NearestExampleFeaturizer's 'sharpness' must be positive")

    def train(self, training_data: TrainingData) -> Resource:
        """Store every intent example's embedding, intent and text (the training data only, nothing personal)."""
        rows, intents, texts = [], [], []
        for message in training_data.intent_examples:
            embedding = sentence_embedding(message, self._config["source"])
            if embedding is not None and message.get(TEXT):
                rows.append(embedding / (np.linalg.norm(embedding) or 1.0))
                intents.append(str(message.get(INTENT)))
                texts.append(str(message.get(TEXT)))
        if not rows:
            raise ValueError(
                f"NearestExampleFeaturizer found no '{self._config['source']}' sentence features: "
                "list it after that featurizer in config.yml"
            )
        embeddings = np.vstack(rows).astype(np.float32)
        with self._model_storage.write_to(self._resource) as directory:
            np.savez(directory / EXAMPLES_FILE, embeddings=embeddings, intents=np.array(intents), texts=np.array(texts))
        self._examples = NearestExamples(embeddings, intents, texts)
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
        with model_storage.read_from(resource) as directory:
            stored = np.load(directory / EXAMPLES_FILE)
            examples = NearestExamples(
                stored["embeddings"], [str(i) for i in stored["intents"]], [str(t) for t in stored["texts"]]
            )
        return cls(config, execution_context.node_name, model_storage, resource, examples)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training examples see their neighbours without themselves (nor any copy of their text)."""
        for message in training_data.training_examples:
            self._add_feature(message, exclude_own_text=True)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._add_feature(message, exclude_own_text=False)
        return messages

    def _add_feature(self, message: Message, exclude_own_text: bool) -> None:
        if self._examples is None:
            raise RuntimeError(f"{type(self).__name__} was asked to featurize before it was trained or loaded.")
        embedding = sentence_embedding(message, self._config["source"])
        if embedding is None:
            return
        embedding = embedding / (np.linalg.norm(embedding) or 1.0)
        nearest = self._examples.nearest_similarities(embedding, str(message.get(TEXT)) if exclude_own_text else None)
        feature = np.exp(float(self._config["sharpness"]) * (nearest - 1.0)).astype(np.float32)
        self.add_features_to_message(sequence=None, sentence=feature[None, :], attribute=TEXT, message=message)
