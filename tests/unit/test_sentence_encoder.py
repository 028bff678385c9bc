"""The MiniLM encoder: its WordPiece tokenizer against BERT's published behaviour, and the int8 ONNX
layers the server runs against the float32 NumPy reference they are built from."""

from __future__ import annotations

import numpy as np
import pytest

from sentence_encoder.encoder import MiniLMWeights, SentenceEncoder, packaged_model_dir
from sentence_encoder.quantized_layers import OnnxTransformerLayers, build_float_graph, quantize_int8
from sentence_encoder.wordpiece_tokenizer import WordPieceTokenizer, basic_tokens

MODEL_DIR = packaged_model_dir()
TOKENIZER = WordPieceTokenizer.from_vocab_file(MODEL_DIR / "vocab.txt")
VOCABULARY = (MODEL_DIR / "vocab.txt").read_text(encoding="utf-8").splitlines()
WEIGHTS = MiniLMWeights(MODEL_DIR)
SENTENCES = [
    "Does microneedling hurt?",
    "Is it safe to do microneedling at home with a derma roller or should I go to a clinic?",
    "cost",
    "What's the difference between microneedling and a chemical peel for acne scars",
    "my derm mentioned collagen induction, what is that exactly?",
    "🙂🙂",
    "",
]


@pytest.fixture(scope="module")
def reference() -> SentenceEncoder:
    """Float32 NumPy layers."""
    return SentenceEncoder(WEIGHTS)


@pytest.fixture(scope="module")
def float_graph() -> SentenceEncoder:
    """The ONNX graph before quantization: must compute what the reference computes."""
    model = build_float_graph(WEIGHTS.tensors, WEIGHTS.config)
    return SentenceEncoder(WEIGHTS, OnnxTransformerLayers(model.SerializeToString()))


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    """What the Rasa server runs: int8 layers."""
    model = build_float_graph(WEIGHTS.tensors, WEIGHTS.config)
    return SentenceEncoder(WEIGHTS, OnnxTransformerLayers(quantize_int8(model)))


def pieces(text: str) -> list[str]:
    return [VOCABULARY[i] for i in TOKENIZER.encode(text, max_length=64)]


def test_bert_special_token_ids_and_a_known_word() -> None:
    assert TOKENIZER.encode("hello", max_length=8) == [101, 7592, 102]


def test_wordpiece_splits_greedily_longest_match_first() -> None:
    """Hugging Face's bert-base-uncased tokenizer (same vocabulary) gives una ##ffa ##ble for "unaffable"."""
    assert pieces("unaffable") == ["[CLS]", "una", "##ffa", "##ble", "[SEP]"]
    assert pieces("microneedling") == ["[CLS]", "micro", "##nee", "##dling", "[SEP]"]


def test_basic_tokenizer_lowercases_strips_accents_and_splits_punctuation() -> None:
    assert basic_tokens("Café, PRICES?!") == ["cafe", ",", "prices", "?", "!"]


def test_unknown_symbols_become_unk_and_long_input_is_truncated() -> None:
    assert pieces("🙂") == ["[CLS]", "[UNK]", "[SEP]"]
    ids = TOKENIZER.encode("needle " * 500, max_length=128)
    assert len(ids) == 128 and ids[-1] == TOKENIZER.sep_id


def test_embeddings_are_unit_length(encoder) -> None:
    vectors = encoder.encode(["Does microneedling hurt?", "", "🙂🙂"])
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_paraphrases_are_closer_than_other_topics(encoder) -> None:
    pain, painful, price = encoder.encode(
        ["Does microneedling hurt?", "Is micro needling painful?", "How much does a session cost?"]
    )
    assert pain @ painful > 0.5
    assert pain @ painful > pain @ price + 0.3


def test_batching_and_padding_do_not_change_an_embedding(encoder) -> None:
    """Length-sorted batches pad short messages; the attention mask must hide the padding."""
    short = "Is it safe?"
    alone = encoder.encode([short])[0]
    batched = encoder.encode(["What should I put on my skin in the days after a session with a 1 mm pen?", short])[1]
    assert np.allclose(alone, batched, atol=1e-5)


def test_the_onnx_graph_computes_the_reference_layers(reference, float_graph) -> None:
    assert np.allclose(float_graph.encode(SENTENCES), reference.encode(SENTENCES), atol=1e-4)


def test_int8_embeddings_stay_close_to_float32(reference, encoder) -> None:
    cosines = np.sum(encoder.encode(SENTENCES) * reference.encode(SENTENCES), axis=1)
    assert cosines[:5].min() >= 0.985, cosines  # sentences with words
    assert cosines.min() >= 0.97, cosines  # emoji only, empty: [CLS] [UNK] [SEP]


def test_int8_keeps_the_ranking_of_topics(reference, encoder) -> None:
    """For each sentence, the nearest other sentence is the same with int8 layers as with float32."""
    int8, exact = encoder.encode(SENTENCES[:5]), reference.encode(SENTENCES[:5])
    int8_similarity, exact_similarity = int8 @ int8.T, exact @ exact.T
    np.fill_diagonal(int8_similarity, -1)
    np.fill_diagonal(exact_similarity, -1)
    assert (int8_similarity.argmax(1) == exact_similarity.argmax(1)).all()
