"""The nearest-example featurizer: per-intent nearest similarity, leave-own-text-out in training, save/load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.featurizers.nearest_example_featurizer import (
    NearestExampleFeaturizer,
    NearestExamples,
    sentence_embedding,
)

CONFIG = {"alias": "nearest_examples", "source": "embedding", "sharpness": 10.0}


def message(text: str, embedding: list[float], intent: str | None = None) -> Message:
    result = Message(data={TEXT: text, **({INTENT: intent} if intent else {})})
    result.add_features(Features(np.array([embedding], dtype=np.float32), FEATURE_TYPE_SENTENCE, TEXT, "embedding"))
    return result


def nearest_feature(result: Message) -> np.ndarray:
    embedding = sentence_embedding(result, "nearest_examples")
    assert embedding is not None
    return embedding


@pytest.fixture
def storage(tmp_path: Path) -> LocalModelStorage:
    return LocalModelStorage(tmp_path)


def training_data() -> TrainingData:
    return TrainingData(
        [
            message("does it hurt", [1.0, 0.0, 0.0], "ask_pain"),
            message("is it painful", [0.8, 0.6, 0.0], "ask_pain"),
            message("how much is it", [0.0, 1.0, 0.0], "ask_cost"),
            message("hello", [0.0, 0.0, 1.0], "greet"),
        ]
    )


def make_featurizer(storage: LocalModelStorage) -> NearestExampleFeaturizer:
    context = ExecutionContext(GraphSchema({}), "test")
    featurizer = NearestExampleFeaturizer.create(CONFIG, storage, Resource("nearest"), context)
    assert isinstance(featurizer, NearestExampleFeaturizer)
    return featurizer


def test_nearest_similarity_is_the_best_example_of_each_intent_in_sorted_intent_order() -> None:
    examples = NearestExamples(
        np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]], dtype=np.float32), ["b", "a", "b"], ["x", "y", "z"]
    )
    assert examples.intents == ["a", "b"]
    assert np.allclose(examples.nearest_similarities(np.array([0.0, 1.0], dtype=np.float32)), [1.0, 0.8])
    assert np.allclose(examples.nearest_similarities(np.array([1.0, 0.0], dtype=np.float32)), [0.0, 1.0])


def test_own_text_is_left_out_and_an_intent_with_no_example_left_gets_minus_one() -> None:
    examples = NearestExamples(np.array([[1.0, 0.0], [0.6, 0.8]], dtype=np.float32), ["a", "b"], ["x", "z"])
    probe = np.array([1.0, 0.0], dtype=np.float32)
    assert np.allclose(examples.nearest_similarities(probe, exclude_text="x"), [-1.0, 0.6])
    assert np.allclose(examples.nearest_similarities(probe, exclude_text="not stored"), [1.0, 0.6])


def test_training_examples_see_neighbours_without_themselves_new_messages_see_all(storage) -> None:
    featurizer = make_featurizer(storage)
    data = training_data()
    featurizer.train(data)
    featurizer.process_training_data(data)
    # "does it hurt": its own row is left out, so its pain neighbour is "is it painful" (cos 0.8), not itself.
    hurt = nearest_feature(data.training_examples[0])
    assert np.allclose(hurt, np.exp(10.0 * (np.array([0.0, 0.8, 0.0]) - 1.0)))  # ask_cost, ask_pain, greet
    [new] = featurizer.process([message("does it hurt", [1.0, 0.0, 0.0])])
    assert np.allclose(nearest_feature(new), np.exp(10.0 * (np.array([0.0, 1.0, 0.0]) - 1.0)))


def test_saved_and_loaded_featurizer_gives_the_same_features(storage) -> None:
    featurizer = make_featurizer(storage)
    featurizer.train(training_data())
    context = ExecutionContext(GraphSchema({}), "test")
    loaded = NearestExampleFeaturizer.load(CONFIG, storage, Resource("nearest"), context)
    [a] = featurizer.process([message("price?", [0.1, 0.9, 0.1])])
    [b] = loaded.process([message("price?", [0.1, 0.9, 0.1])])
    assert np.allclose(nearest_feature(a), nearest_feature(b))


def test_a_message_without_the_source_embedding_gets_no_feature(storage) -> None:
    featurizer = make_featurizer(storage)
    featurizer.train(training_data())
    [bare] = featurizer.process([Message(data={TEXT: "x"})])
    assert sentence_embedding(bare, "nearest_examples") is None


def test_listed_before_its_source_featurizer_it_refuses_to_train(storage) -> None:
    featurizer = make_featurizer(storage)
    with pytest.raises(ValueError, match="list it after that featurizer"):
        featurizer.train(TrainingData([Message(data={TEXT: "hi", INTENT: "greet"})]))


def two_sources(text: str, first: list[float], second: list[float] | None, intent: str | None = None) -> Message:
    result = message(text, first, intent)
    if second is not None:
        result.add_features(Features(np.array([second], dtype=np.float32), FEATURE_TYPE_SENTENCE, TEXT, "second"))
    return result


def test_two_sources_are_joined_side_by_side_and_a_message_missing_one_gets_no_feature(storage) -> None:
    """A second-opinion featurizer skips confident messages: half a vector must not be compared with whole ones."""
    context = ExecutionContext(GraphSchema({}), "test")
    config = {**CONFIG, "source": ["embedding", "second"]}
    featurizer = NearestExampleFeaturizer.create(config, storage, Resource("joined"), context)
    assert isinstance(featurizer, NearestExampleFeaturizer)
    featurizer.train(
        TrainingData(
            [
                two_sources("hurt", [1.0, 0.0], [0.0, 2.0], "ask_pain"),
                two_sources("cost", [0.0, 1.0], [2.0, 0.0], "ask_cost"),
            ]
        )
    )
    # Each part scaled to unit length, then the whole: cos with "hurt" is (1*1 + 0*1) / 2 = 0.5, with "cost" 0.5.
    joined, half = featurizer.process([two_sources("x", [1.0, 0.0], [1.0, 0.0]), two_sources("y", [1.0, 0.0], None)])
    assert np.allclose(nearest_feature(joined), np.exp(10.0 * (np.array([0.5, 0.5]) - 1.0)))
    assert sentence_embedding(half, "nearest_examples") is None


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        ({"source": ""}, "source"),
        ({"source": ["embedding", ""]}, "source"),
        ({"source": 3}, "source"),
        ({"sharpness": 0}, "sharpness"),
    ],
)
def test_bad_config_is_refused(config: dict, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        NearestExampleFeaturizer.validate_config({**CONFIG, **config})
