"""The logistic-regression intent classifier: feature scaling, training, ranking, and a lossless save/load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.classifiers.linear_intent_classifier import LinearIntentClassifier, sentence_vector

WEIGHTS = {"counts": 1.0, "embedding": 2.0}
SIZES = {"counts": 3, "embedding": 2}


def message(text: str, counts: list[float], embedding: list[float], intent: str | None = None) -> Message:
    result = Message(data={TEXT: text, **({INTENT: intent} if intent else {})})
    result.add_features(Features(scipy.sparse.coo_matrix([counts]), FEATURE_TYPE_SENTENCE, TEXT, "counts"))
    result.add_features(Features(np.array([embedding], dtype=np.float32), FEATURE_TYPE_SENTENCE, TEXT, "embedding"))
    return result


def test_each_featurizer_block_is_damped_scaled_to_unit_length_and_weighted() -> None:
    row = sentence_vector(message("x", [3.0, 0.0, 3.0], [3.0, 4.0]), WEIGHTS, SIZES).toarray().ravel()
    counts, embedding = row[:3], row[3:]
    assert np.allclose(counts, [np.sqrt(0.5), 0.0, np.sqrt(0.5)])  # log1p(3) twice, then unit length
    assert np.allclose(embedding, [1.2, 1.6])  # (0.6, 0.8) * weight 2


@pytest.mark.parametrize("sparse_format", ["coo", "csr"])
def test_a_repeated_column_is_summed_before_damping(sparse_format: str) -> None:
    """A COO feature may list a column twice; it counts once with the summed value, as scipy would add it."""
    repeated = scipy.sparse.coo_matrix(([1.0, 2.0, 3.0], ([0, 0, 0], [2, 0, 2])), shape=(1, 3)).asformat(sparse_format)
    result = Message(data={TEXT: "x"})
    result.add_features(Features(repeated, FEATURE_TYPE_SENTENCE, TEXT, "counts"))
    row = sentence_vector(result, WEIGHTS, SIZES).toarray().ravel()
    expected = np.log1p([2.0, 0.0, 4.0])
    assert np.allclose(row[:3], expected / np.linalg.norm(expected))
    assert not row[3:].any()


def test_a_missing_featurizer_block_is_zeros_of_the_trained_width() -> None:
    bare = Message(data={TEXT: "x"})
    assert sentence_vector(bare, WEIGHTS, SIZES).shape == (1, 5)
    assert sentence_vector(bare, WEIGHTS, SIZES).nnz == 0


@pytest.fixture
def storage(tmp_path: Path) -> LocalModelStorage:
    return LocalModelStorage(tmp_path)


def make_classifier(storage: LocalModelStorage) -> LinearIntentClassifier:
    context = ExecutionContext(GraphSchema({}), "test")
    config = {**LinearIntentClassifier.get_default_config(), "featurizer_weights": WEIGHTS}
    return LinearIntentClassifier.create(config, storage, Resource("linear"), context)


def training_data() -> TrainingData:
    pain = [message(f"pain {i}", [1, 0, 0], [1.0, 0.1 * i]) for i in range(5)]
    cost = [message(f"cost {i}", [0, 1, 1], [0.1 * i, 1.0]) for i in range(5)]
    for example in pain:
        example.set(INTENT, "ask_pain")
    for example in cost:
        example.set(INTENT, "ask_cost")
    return TrainingData(pain + cost)


def test_trained_classifier_ranks_intents_by_probability(storage) -> None:
    classifier = make_classifier(storage)
    classifier.train(training_data())
    [result] = classifier.process([message("does it hurt", [1, 0, 0], [0.9, 0.2])])
    ranking = result.get(INTENT_RANKING_KEY)
    assert result.get(INTENT)["name"] == "ask_pain"
    assert [r["name"] for r in ranking] == ["ask_pain", "ask_cost"]
    assert ranking[0]["confidence"] > 0.5
    assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0)


def test_two_intent_model_matches_scikit_learn_probabilities(storage) -> None:
    """scikit-learn stores one coefficient row for two classes; the softmax form must agree with it."""
    from sklearn.linear_model import LogisticRegression

    data = training_data()
    classifier = make_classifier(storage)
    classifier.train(data)
    rows = scipy.sparse.vstack([sentence_vector(m, WEIGHTS, SIZES) for m in data.intent_examples])
    reference = LogisticRegression(C=16.0, max_iter=3000, random_state=0).fit(
        rows, [m.get(INTENT) for m in data.intent_examples]
    )
    probe = sentence_vector(message("hurt?", [1, 1, 0], [0.5, 0.5]), WEIGHTS, SIZES)
    assert np.allclose(classifier.predict_probabilities(probe), reference.predict_proba(probe)[0], atol=1e-5)


def test_saved_and_loaded_model_predicts_the_same(storage) -> None:
    classifier = make_classifier(storage)
    classifier.train(training_data())
    context = ExecutionContext(GraphSchema({}), "test")
    loaded = LinearIntentClassifier.load({"featurizer_weights": WEIGHTS}, storage, Resource("linear"), context)
    probe = sentence_vector(message("price?", [0, 1, 0], [0.2, 0.8]), WEIGHTS, SIZES)
    assert np.allclose(loaded.predict_probabilities(probe), classifier.predict_probabilities(probe))


def test_a_message_without_text_gets_no_intent(storage) -> None:
    classifier = make_classifier(storage)
    classifier.train(training_data())
    [result] = classifier.process([Message(data={TEXT: ""})])
    assert result.get(INTENT) == {"name": None, "confidence": 0.0}


def test_config_without_featurizer_weights_is_refused(storage) -> None:
    with pytest.raises(ValueError, match="featurizer_weights"):
        LinearIntentClassifier({}, storage, Resource("linear"))


def make_second_opinion(storage: LocalModelStorage) -> LinearIntentClassifier:
    context = ExecutionContext(GraphSchema({}), "test")
    config = {**LinearIntentClassifier.get_default_config(), "featurizer_weights": WEIGHTS}
    return LinearIntentClassifier.create(
        {**config, "second_opinion_on": "embedding"}, storage, Resource("2nd"), context
    )


def test_a_second_opinion_reranks_only_messages_its_featurizer_embedded(storage) -> None:
    """The first classifier's intent stands on a message the second-opinion featurizer skipped (it was sure)."""
    second = make_second_opinion(storage)
    second.train(training_data())
    earlier = {"name": "ask_cost", "confidence": 0.9}
    skipped = Message(data={TEXT: "does it hurt", INTENT: earlier, INTENT_RANKING_KEY: [earlier]})
    skipped.add_features(Features(scipy.sparse.coo_matrix([[1, 0, 0]]), FEATURE_TYPE_SENTENCE, TEXT, "counts"))
    embedded = message("does it hurt", [1, 0, 0], [0.9, 0.2])
    embedded.set(INTENT, {"name": "ask_cost", "confidence": 0.4})
    kept, reranked = second.process([skipped, embedded])
    assert kept.get(INTENT) == earlier and kept.get(INTENT_RANKING_KEY) == [earlier]
    assert reranked.get(INTENT)["name"] == "ask_pain"
    assert [r["name"] for r in reranked.get(INTENT_RANKING_KEY)] == ["ask_pain", "ask_cost"]


def test_a_second_opinion_on_a_featurizer_it_does_not_weigh_is_refused(storage) -> None:
    with pytest.raises(ValueError, match="second_opinion_on"):
        LinearIntentClassifier({"featurizer_weights": WEIGHTS, "second_opinion_on": "e5"}, storage, Resource("x"))
