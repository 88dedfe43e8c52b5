"""Text embeddings: a small Protocol, the sentence-transformers implementation and a persistent cache."""

from .embedder import Embedder, SentenceTransformerEmbedder, load_embedder, resolve_model_path

__all__ = ["Embedder", "SentenceTransformerEmbedder", "load_embedder", "resolve_model_path"]
