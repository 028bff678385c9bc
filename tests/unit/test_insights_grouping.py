"""Grouping of unanswered questions: exact groups with a stand-in encoder, sensible ones with the real one."""

from __future__ import annotations

import numpy as np
import pytest

from insights.grouping import group_questions

TOPICS = ("botox", "filler", "tattoo")


def keyword_embed(texts: list[str]) -> np.ndarray:
    """Texts naming the same keyword get the same unit vector; any other text gets a vector of its own."""
    vectors = np.zeros((len(texts), len(TOPICS) + len(texts)), dtype=np.float32)
    for row, text in enumerate(texts):
        hit = next((i for i, word in enumerate(TOPICS) if word in text.lower()), None)
        vectors[row, hit if hit is not None else len(TOPICS) + row] = 1.0
    return vectors


def test_groups_by_similarity_largest_first_with_counts_examples_and_reasons() -> None:
    questions = [
        ("do you do botox", "out_of_scope"),
        ("Do you do Botox", "out_of_scope"),  # same wording once case is folded
        ("botox price", "out_of_scope"),
        ("how many units of botox", "did_you_mean"),
        ("lip filler cost", "out_of_scope"),
        ("do you do fillers", "out_of_scope"),
        ("hmm", "did_you_mean"),
    ]
    groups = group_questions(questions, keyword_embed)
    assert [g.count for g in groups] == [4, 2, 1]
    assert groups[0].examples() == ["botox price", "Do you do Botox", "do you do botox", "how many units of botox"]
    assert dict(groups[0].reasons) == {"out_of_scope": 3, "did_you_mean": 1}
    assert groups[1].examples() == ["do you do fillers", "lip filler cost"]
    assert groups[2].examples() == ["hmm"]
    assert not any(g.ungrouped for g in groups)


def test_examples_are_capped_at_five_most_frequent() -> None:
    questions = [(f"botox question {i}", "out_of_scope") for i in range(7)] + [("botox question 6", "out_of_scope")]
    (group,) = group_questions(questions, keyword_embed)
    assert group.count == 8
    assert group.examples()[0] == "botox question 6"
    assert len(group.examples()) == 5


def test_wordings_beyond_the_encoding_limit_are_listed_ungrouped_last() -> None:
    questions = [("botox a", "x"), ("botox a", "x"), ("botox b", "x"), ("tattoo c", "x"), ("tattoo d", "x")]
    encoded: list[str] = []

    def embed(texts: list[str]) -> np.ndarray:
        encoded.extend(texts)
        return keyword_embed(texts)

    groups = group_questions(questions, embed, max_encoded=3)
    assert encoded == ["botox a", "botox b", "tattoo c"]  # most frequent first, then alphabetical
    assert [(g.count, g.ungrouped) for g in groups] == [(3, False), (1, False), (1, True)]
    assert groups[-1].examples() == ["tattoo d"]


def test_nothing_to_group() -> None:
    assert group_questions([], keyword_embed) == []


@pytest.fixture(scope="module", params=["float32", "int8 from the trained model"])
def real_embed(request):
    from insights.encoder import sentence_encoder
    from service.launcher import DEFAULT_MODEL

    if request.param == "float32":
        return sentence_encoder(None)
    if not DEFAULT_MODEL.exists():
        pytest.skip("no trained model; run `make train`")
    return sentence_encoder(DEFAULT_MODEL)


def test_real_encoder_keeps_paraphrases_together_and_topics_apart(real_embed) -> None:
    questions = [
        "do you do botox",
        "can I get botox injections",
        "botox near me price",
        "do you offer lip fillers",
        "how much are lip fillers",
        "can you remove my tattoo",
        "tattoo removal options",
        "who won the football",
    ]
    groups = group_questions([(q, "out_of_scope") for q in questions], real_embed)
    found = sorted(sorted(g.examples()) for g in groups)
    assert found == sorted(
        [
            ["botox near me price", "can I get botox injections", "do you do botox"],
            ["do you offer lip fillers", "how much are lip fillers"],
            ["can you remove my tattoo", "tattoo removal options"],
            ["who won the football"],
        ]
    )


def test_encoders_match_the_nlu_reference(real_embed, request) -> None:
    """Float32 batches give the NumPy reference's embeddings; the served int8 layers come close (cos >= 0.985)."""
    from sentence_encoder.encoder import MiniLMWeights, SentenceEncoder

    texts = ["does it hurt", "how much is botox for my forehead lines, and can I combine it?"]
    reference = SentenceEncoder(MiniLMWeights.from_installed_package()).encode(texts)
    cosine = (real_embed(texts) * reference).sum(axis=1)
    tolerance = 1e-5 if "float32" in request.node.name else 0.015
    assert np.all(cosine >= 1.0 - tolerance)
