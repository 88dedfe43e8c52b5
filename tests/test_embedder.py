import numpy as np


def test_query_fast_path_equals_encode(embedder):
    st_embedder = embedder.inner
    texts = ["외국인등록증은 어디서 만들어요?", "Tôi làm thẻ cư trú ở đâu?", "工资被拖欠怎么办"]
    fast = st_embedder.embed(texts, "query")
    slow = st_embedder._st.encode(texts, prompt_name="query", normalize_embeddings=True)
    assert np.allclose(fast, slow, atol=1e-5)
    assert np.allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)


def test_empty_input(embedder):
    assert embedder.inner.embed([], "query").shape == (0, 384)
