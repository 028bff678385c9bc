"""Rasa's training cache must retrain our components when their code changes, not only their config."""

from __future__ import annotations

import shutil

import pytest
from rasa.engine.training.fingerprinting import calculate_fingerprint_key

from microneedling_nlp import code_fingerprint
from microneedling_nlp.canonical_entity_extractor import CanonicalEntityExtractor
from microneedling_nlp.linear_intent_classifier import LinearIntentClassifier
from microneedling_nlp.sentence_embedding_featurizer import SentenceEmbeddingFeaturizer
from microneedling_nlp.unusable_input_classifier import UnusableInputClassifier

COMPONENTS = [CanonicalEntityExtractor, SentenceEmbeddingFeaturizer, LinearIntentClassifier, UnusableInputClassifier]


@pytest.mark.parametrize("component", COMPONENTS)
def test_every_component_keys_rasas_cache_on_the_package_code(component) -> None:
    assert component.fingerprint_addon({}) == code_fingerprint.package_fingerprint()


def test_editing_any_module_changes_the_cache_key(tmp_path, monkeypatch) -> None:
    copy = tmp_path / "microneedling_nlp"
    shutil.copytree(code_fingerprint.PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))

    def key_of(package_dir) -> str:
        monkeypatch.setattr(code_fingerprint, "PACKAGE_DIR", package_dir)
        code_fingerprint.package_fingerprint.cache_clear()
        return calculate_fingerprint_key(LinearIntentClassifier, {"C": 16}, {})

    try:
        before = key_of(copy)
        assert key_of(copy) == before  # stable for unchanged code
        module = copy / "quantized_layers.py"
        module.write_text(module.read_text() + "\n# changed\n")
        assert key_of(copy) != before
    finally:
        code_fingerprint.package_fingerprint.cache_clear()
