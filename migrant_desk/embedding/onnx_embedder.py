"""The default model through ONNX Runtime: `tokenizers` for tokenising, mean pooling and normalising in numpy.

No torch and no sentence-transformers are imported here (tests/embedding/test_onnx.py checks sys.modules in a
serving process). The vectors equal the sentence-transformers ones (cosine >= 0.9999 in 15 languages).
Texts are embedded in batches of similar token length, so short questions are not padded to the length of
a long answer in the same batch (a cold index build runs ~2.5x faster sorted than in file order).
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import numpy as np

from .embedder import Kind
from .onnx_export import WORD_EMBEDDINGS_FILE

# A batch holds at most this many tokens including padding: large enough to keep both cores busy, small
# enough that one long answer does not pad 64 short questions to 512 tokens (measured: scripts/bench_embed.py).
TOKEN_BUDGET = 2048
MAX_BATCH = 32


class RowReader:
    """Rows of the word-embedding table (.npy, float32), read with pread as tokens need them.

    Why not a memory map: questions in 15 languages touch thousands of scattered rows, and every mapped page
    (with the kernel's fault-around) counts as the server's resident memory: +236 MB over 4,000 questions even
    with MADV_RANDOM. Read with pread, the pages stay in the page cache, shared and reclaimable, and a question
    of ~20 tokens costs ~20 small reads (microseconds).
    """

    def __init__(self, path: Path):
        with open(path, "rb") as f:
            version = np.lib.format.read_magic(f)
            read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                           else np.lib.format.read_array_header_2_0)
            shape, fortran, dtype = read_header(f)
            self._offset = f.tell()
        if fortran or dtype != np.float32 or len(shape) != 2:
            raise ValueError(f"{path}: expected a C-ordered float32 matrix, got {dtype} {shape}")
        self.shape = shape
        self._row_bytes = shape[1] * 4
        self._fd = os.open(path, os.O_RDONLY)

    def rows(self, ids: np.ndarray) -> np.ndarray:
        unique, inverse = np.unique(ids, return_inverse=True)
        table = np.empty((len(unique), self.shape[1]), dtype=np.float32)
        for j, row in enumerate(unique.tolist()):
            table[j] = np.frombuffer(os.pread(self._fd, self._row_bytes, self._offset + row * self._row_bytes),
                                     dtype=np.float32)
        return table[inverse.reshape(ids.shape)]

    def __del__(self):
        try:
            os.close(self._fd)
        except (AttributeError, OSError):
            pass


def default_threads() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


class OnnxEmbedder:
    """Same interface as SentenceTransformerEmbedder (the Embedder protocol)."""

    def __init__(self, model_dir: Path, model_id: str, onnx_file: Path, threads: int | None = None):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model_dir = Path(model_dir)
        self.model_id = model_id
        st_config = json.loads((model_dir / "config_sentence_transformers.json").read_text())
        self._prompts: dict[str, str] = st_config.get("prompts") or {}
        hf_config = json.loads((model_dir / "config.json").read_text())
        self.dim = int(hf_config["hidden_size"])
        tok_config = json.loads((model_dir / "tokenizer_config.json").read_text())
        self.max_tokens = int(min(tok_config.get("model_max_length", 512), hf_config["max_position_embeddings"]))
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(self.max_tokens)
        self._tokenizer.no_padding()
        self._pad_id = self._tokenizer.token_to_id(tok_config.get("pad_token", "<pad>")) or 0
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads or default_threads()
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
        # Passage batches (index builds, publishes) would otherwise grow ORT's memory arena for good: measured
        # 540 MB serving RSS after a warm start vs ~1,000 MB after building the index in the same process.
        self._shrink = ort.RunOptions()
        self._shrink.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
        self._word_embeddings = RowReader(Path(onnx_file).parent / WORD_EMBEDDINGS_FILE)
        # One run at a time: ORT sessions are thread-safe, but two concurrent runs on 2 cores only fight.
        self._lock = threading.Lock()

    def token_ids(self, texts: list[str], kind: Kind) -> list[list[int]]:
        prompt = self._prompts.get(kind, "")
        return [e.ids for e in self._tokenizer.encode_batch([prompt + t for t in texts])]

    def embed(self, texts: list[str], kind: Kind) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        ids = self.token_ids(texts, kind)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        start = 0
        while start < len(order):
            end = start + 1
            # Sorted ascending, so the last one in a batch is the longest: it sets the padded width.
            while (end < len(order) and end - start < MAX_BATCH
                   and (end - start + 1) * len(ids[order[end]]) <= TOKEN_BUDGET):
                end += 1
            rows = order[start:end]
            out[rows] = self._forward([ids[i] for i in rows], shrink=kind == "passage")
            start = end
        return out

    def _forward(self, batch: list[list[int]], shrink: bool = False) -> np.ndarray:
        width = max(len(x) for x in batch)
        input_ids = np.full((len(batch), width), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, x in enumerate(batch):
            input_ids[row, : len(x)] = x
            mask[row, : len(x)] = 1
        with self._lock:
            embeds = self._word_embeddings.rows(input_ids)
            (hidden,) = self._session.run(None, {"inputs_embeds": embeds, "attention_mask": mask},
                                          self._shrink if shrink else None)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
