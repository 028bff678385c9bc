"""The systems compared by `make eval`: the trained assistant and two baselines a clinic might pick instead.

Each system turns message texts into predicted intents. The baselines train on
exactly the assistant's training data (data/nlu) with the same domain.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import time
from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING

from evaluation.labelled_data import DOMAIN_FILE, PROJECT_ROOT, TRAINING_DATA_DIR, load_training_messages
from nlu_components.code_fingerprint import files_fingerprint

if TYPE_CHECKING:  # imported lazily at run time: loading Rasa takes seconds
    from rasa.core.agent import Agent

BUILD_DIR = PROJECT_ROOT / "build" / "eval"
ENTITY_MARKUP = re.compile(r"\[([^\]]+)\]\([^)]+\)|\[([^\]]+)\]\{[^}]+\}")


def plain_text(example: str) -> str:
    """'[1 mm](needle_length) needles' -> '1 mm needles' (for classifiers that do not read Rasa markup)."""
    return ENTITY_MARKUP.sub(lambda match: match.group(1) or match.group(2), example)


class IntentSystem(ABC):
    """Something that maps a message to an intent name (or None)."""

    name: str
    description: str
    training_seconds: float | None = None

    @abstractmethod
    def prepare(self) -> None:
        """Train or load whatever the system needs."""

    @abstractmethod
    def predict(self, texts: list[str]) -> list[str | None]:
        """The final intent per message, after any fallback the system has."""

    @abstractmethod
    def parse(self, texts: list[str]) -> list[dict]:
        """A Rasa-style parse per message (intent, intent_ranking, entities), as the actions read it."""


class RasaModelSystem(IntentSystem):
    """A trained Rasa model, parsed in-process exactly as the server parses messages."""

    def __init__(self, name: str, description: str, model: Path) -> None:
        self.name, self.description, self.model = name, description, model
        self._agent: Agent | None = None

    def prepare(self) -> None:
        from rasa.core.agent import Agent
        from rasa.utils.log_utils import configure_structlog

        # In-process parsing logs every message text at debug level; the held-out set needs no echo.
        configure_structlog(logging.WARNING)
        if not self.model.exists():
            raise FileNotFoundError(f"no trained model at {self.model}; run `make train`")
        self._agent = Agent.load(str(self.model))

    def parse(self, texts: list[str]) -> list[dict]:
        """Rasa's full parse result per text (intent, ranking, entities)."""

        agent = self._agent
        if agent is None:
            raise RuntimeError(f"{self.name}: call prepare() before parse()")

        async def parse_all() -> list[dict]:
            return [await agent.parse_message(text) for text in texts]

        return asyncio.run(parse_all())

    def predict(self, texts: list[str]) -> list[str | None]:
        return [parsed["intent"].get("name") for parsed in self.parse(texts)]


def _fingerprint(paths: list[Path]) -> str:
    """The baseline's training inputs, shortened as the cached stamps under build/eval/ store it."""
    return files_fingerprint(paths)[:16]


class RasaInitPipeline(RasaModelSystem):
    """Rasa's default NLU pipeline: the config.yml `rasa init` writes, trained on our NLU data.

    Trained once per change of data or domain (the model is cached under build/eval/).
    """

    def __init__(self) -> None:
        super().__init__(
            "rasa init pipeline",
            "the config `rasa init` writes (Rasa's default pipeline: whitespace tokens, count vectors, DIET 100 "
            "epochs, FallbackClassifier 0.3) trained on data/nlu",
            BUILD_DIR / "rasa-init" / "model.tar.gz",
        )

    def prepare(self) -> None:
        from rasa.cli.scaffold import scaffold_path

        workdir = self.model.parent
        config = Path(scaffold_path()) / "config.yml"  # the file `rasa init` copies
        inputs = [config, DOMAIN_FILE, *sorted(TRAINING_DATA_DIR.glob("*.yml"))]
        stamp = workdir / "fingerprint"
        if not (self.model.exists() and stamp.exists() and stamp.read_text() == _fingerprint(inputs)):
            self._train(workdir, config, inputs)
        super().prepare()

    def _train(self, workdir: Path, config: Path, inputs: list[Path]) -> None:
        from rasa.model_training import train_nlu

        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir(parents=True)
        shutil.copy(config, workdir / "config.yml")
        started = time.monotonic()
        train_nlu(
            str(workdir / "config.yml"),
            str(TRAINING_DATA_DIR),
            str(workdir),
            fixed_model_name="model",
            domain=str(DOMAIN_FILE),
        )
        self.training_seconds = time.monotonic() - started
        (workdir / "fingerprint").write_text(_fingerprint(inputs))


class TfidfLogisticRegression(IntentSystem):
    """scikit-learn's classic text classifier: word 1-2-gram TF-IDF and logistic regression, no fallback."""

    name = "TF-IDF + logistic regression"
    description = "scikit-learn TfidfVectorizer (word 1-2-grams, sublinear TF) + LogisticRegression (C=10)"

    def prepare(self) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        training = load_training_messages()
        started = time.monotonic()
        self._pipeline = make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=True),
            LogisticRegression(C=10.0, max_iter=2000, random_state=0),
        )
        self._pipeline.fit([plain_text(m.text) for m in training], [m.intent for m in training])
        self.training_seconds = time.monotonic() - started

    def predict(self, texts: list[str]) -> list[str | None]:
        return [str(intent) for intent in self._pipeline.predict(texts)]

    def parse(self, texts: list[str]) -> list[dict]:
        """The ranking from predict_proba; no entities (this baseline extracts none) and no fallback."""
        classes = [str(name) for name in self._pipeline.classes_]
        parses = []
        for probabilities in self._pipeline.predict_proba(texts):
            best = sorted(
                ((name, float(p)) for name, p in zip(classes, probabilities, strict=True)), key=lambda pair: -pair[1]
            )[:10]
            ranking = [{"name": name, "confidence": confidence} for name, confidence in best]
            parses.append({"intent": ranking[0], "intent_ranking": ranking, "entities": []})
        return parses
