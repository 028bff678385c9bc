"""Rasa's training cache must retrain our components when their code changes, not only their config."""

from __future__ import annotations

import re
import shutil

import pytest
from rasa.engine.training.fingerprinting import calculate_fingerprint_key

from nlu_components import code_fingerprint
from nlu_components.classifiers.complication_safety_margin import ComplicationSafetyMargin
from nlu_components.classifiers.linear_intent_classifier import LinearIntentClassifier
from nlu_components.classifiers.unusable_input_classifier import UnusableInputClassifier
from nlu_components.extractors.canonical_entity_extractor import CanonicalEntityExtractor
from nlu_components.featurizers.nearest_example_featurizer import NearestExampleFeaturizer
from nlu_components.featurizers.sentence_embedding_featurizer import SentenceEmbeddingFeaturizer

COMPONENTS = [
    CanonicalEntityExtractor,
    SentenceEmbeddingFeaturizer,
    NearestExampleFeaturizer,
    LinearIntentClassifier,
    ComplicationSafetyMargin,
    UnusableInputClassifier,
]
ROOT = code_fingerprint.PROJECT_ROOT


@pytest.mark.parametrize("component", COMPONENTS)
def test_every_component_keys_rasas_cache_on_the_model_code(component) -> None:
    assert component.fingerprint_addon({}) == code_fingerprint.package_fingerprint()


def test_editing_any_model_module_changes_the_cache_key(tmp_path, monkeypatch) -> None:
    for pattern in code_fingerprint.MODEL_CODE:
        for path in ROOT.glob(pattern):
            target = tmp_path / path.relative_to(ROOT)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target)

    def copy_fingerprint() -> str:
        return code_fingerprint.files_fingerprint(code_fingerprint.model_code_files(tmp_path), tmp_path)

    monkeypatch.setattr(code_fingerprint, "package_fingerprint", copy_fingerprint)

    def key_of() -> str:
        return calculate_fingerprint_key(LinearIntentClassifier, {"C": 16}, {})

    before = key_of()
    assert key_of() == before  # stable for unchanged code
    module = tmp_path / "sentence_encoder" / "quantized_layers.py"
    module.write_text(module.read_text() + "\n# changed\n")
    assert key_of() != before


def test_the_makefile_retrains_after_exactly_the_model_code() -> None:
    """Editing a test or evaluation helper must not retrain; editing model code must."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    block = re.search(r"^TRAINING_INPUTS := (.*?)(?<!\\)\n", makefile, re.S | re.M).group(1)
    wildcards = re.search(r"\$\(wildcard ([^)]*)\)", block).group(1).split()
    assert sorted(wildcards) == sorted(code_fingerprint.MODEL_CODE)
    files = {path.relative_to(ROOT).as_posix() for path in code_fingerprint.model_code_files()}
    assert "text_screens/message_screen.py" in files and "evaluation/text_similarity.py" not in files
    assert not any(path.startswith("tests/") for path in files)
