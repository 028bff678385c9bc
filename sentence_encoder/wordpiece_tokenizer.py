"""BERT's uncased WordPiece tokenizer, in plain Python.

The sentence encoder needs the exact token ids its weights were trained with.
Hugging Face's ``tokenizers``/``transformers`` would bring a second ML stack
(and, through sentence-transformers, PyTorch with several GB of CUDA wheels),
so the ~60 lines of BERT's published algorithm live here instead, checked
against known token ids in the unit tests.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

CLS, SEP, UNK = "[CLS]", "[SEP]", "[UNK]"
MAX_CHARS_PER_WORD = 100


def _is_punctuation(char: str) -> bool:
    """BERT treats every non-alphanumeric ASCII symbol and Unicode P* as punctuation."""
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_cjk(code: int) -> bool:
    """CJK ideographs are split one per token, as in BERT's basic tokenizer."""
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2A6DF
        or 0x2A700 <= code <= 0x2CEAF
        or 0xF900 <= code <= 0xFAFF
        or 0x2F800 <= code <= 0x2FA1F
    )


def basic_tokens(text: str) -> list[str]:
    """Lower-case, strip accents and control characters, split on spaces and punctuation."""
    text = unicodedata.normalize("NFD", text.lower())
    cleaned: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        if category == "Mn" or char == "\ufffd" or ord(char) == 0:
            continue
        if char.isspace():
            cleaned.append(" ")
        elif category.startswith("C"):
            continue
        elif _is_cjk(ord(char)) or _is_punctuation(char):
            cleaned.append(f" {char} ")
        else:
            cleaned.append(char)
    return "".join(cleaned).split()


class WordPieceTokenizer:
    """Maps text to the vocabulary ids of an uncased BERT model."""

    def __init__(self, vocabulary: dict[str, int]) -> None:
        self._vocabulary = vocabulary
        self.cls_id = vocabulary[CLS]
        self.sep_id = vocabulary[SEP]
        self.unk_id = vocabulary[UNK]

    @classmethod
    def from_vocab_file(cls, path: Path) -> WordPieceTokenizer:
        """One token per line; the line number is the id."""
        lines = path.read_text(encoding="utf-8").splitlines()
        return cls({token: index for index, token in enumerate(lines)})

    def word_pieces(self, word: str) -> list[int]:
        """Greedy longest-match-first split of one word; unknown words become [UNK]."""
        if len(word) > MAX_CHARS_PER_WORD:
            return [self.unk_id]
        pieces: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            piece_id = None
            while start < end:
                candidate = word[start:end] if start == 0 else f"##{word[start:end]}"
                piece_id = self._vocabulary.get(candidate)
                if piece_id is not None:
                    break
                end -= 1
            if piece_id is None:
                return [self.unk_id]
            pieces.append(piece_id)
            start = end
        return pieces

    def encode(self, text: str, max_length: int) -> list[int]:
        """[CLS] + word pieces (truncated) + [SEP], as the model saw in training."""
        ids = [piece for word in basic_tokens(text) for piece in self.word_pieces(word)]
        return [self.cls_id, *ids[: max_length - 2], self.sep_id]
