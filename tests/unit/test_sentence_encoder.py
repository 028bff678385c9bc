"""The NumPy MiniLM encoder and its WordPiece tokenizer, checked against BERT's published behaviour."""

from __future__ import annotations

import numpy as np
import pytest

from microneedling_nlp.sentence_encoder import SentenceEncoder, packaged_model_dir
from microneedling_nlp.wordpiece_tokenizer import WordPieceTokenizer, basic_tokens

MODEL_DIR = packaged_model_dir()
TOKENIZER = WordPieceTokenizer.from_vocab_file(MODEL_DIR / "vocab.txt")
VOCABULARY = (MODEL_DIR / "vocab.txt").read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return SentenceEncoder(MODEL_DIR)


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
