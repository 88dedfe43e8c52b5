import numpy as np
import pytest

from migrant_desk.config import DEFAULT_MODEL
from migrant_desk.embedding.embedder import SentenceTransformerEmbedder, load_embedder


@pytest.fixture(scope="module")
def torch_embedder(cache_dir) -> SentenceTransformerEmbedder:
    embedder = load_embedder(DEFAULT_MODEL, cache_dir, "torch")
    assert isinstance(embedder, SentenceTransformerEmbedder)
    return embedder


def test_query_fast_path_equals_encode(torch_embedder):
    texts = ["외국인등록증은 어디서 만들어요?", "Tôi làm thẻ cư trú ở đâu?", "工资被拖欠怎么办"]
    fast = torch_embedder.embed(texts, "query")
    slow = torch_embedder._st.encode(texts, prompt_name="query", normalize_embeddings=True)
    assert np.allclose(fast, slow, atol=1e-5)
    assert np.allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)


def test_empty_input(embedder, torch_embedder):
    assert embedder.inner.embed([], "query").shape == (0, 384)
    assert torch_embedder.embed([], "query").shape == (0, 384)
