import threading
import time

import numpy as np

from migrant_desk.embedding.batching import BatchingEmbedder


class CountingEmbedder:
    """Records the batches it is called with; embeds by a fixed rule so results can be checked per text."""

    model_id, dim = "counting", 3

    def __init__(self):
        self.batches = []
        self.release = threading.Event()

    def embed(self, texts, kind):
        self.release.wait(5)
        self.batches.append(list(texts))
        return np.array([[len(t), ord(t[0]), 1.0] for t in texts], dtype=np.float32)


def test_concurrent_queries_share_a_batch_and_get_their_own_vector():
    inner = CountingEmbedder()
    batcher = BatchingEmbedder(inner)
    texts = [f"{chr(97 + i)}{'x' * i}" for i in range(8)]
    results = {}

    def ask(t):
        results[t] = batcher.embed([t], "query")

    threads = [threading.Thread(target=ask, args=(t,)) for t in texts]
    for t in threads:
        t.start()
    inner.release.set()
    for t in threads:
        t.join(5)
    assert len(inner.batches) < len(texts)  # at least two queries shared one forward pass
    for t in texts:
        assert results[t].shape == (1, 3) and results[t][0, 0] == len(t) and results[t][0, 1] == ord(t[0])


def test_passages_and_lists_bypass_the_queue(embedder):
    batcher = BatchingEmbedder(embedder)
    direct = embedder.embed(["a", "b"], "passage")
    assert np.allclose(batcher.embed(["a", "b"], "passage"), direct)
    single = batcher.embed(["퇴직금"], "query")
    assert np.allclose(single, embedder.embed(["퇴직금"], "query"), atol=1e-5)


def test_an_error_reaches_the_caller():
    class Broken(CountingEmbedder):
        def embed(self, texts, kind):
            raise RuntimeError("model failed")

    batcher = BatchingEmbedder(Broken())
    try:
        batcher.embed(["x"], "query")
    except RuntimeError as exc:
        assert "model failed" in str(exc)
    else:
        raise AssertionError("expected the model error")


class PickyEmbedder(CountingEmbedder):
    """Fails any batch that contains the text "bad", the way a tokenizer fails on a lone surrogate."""

    def embed(self, texts, kind):
        if "bad" in texts:
            self.release.wait(5)
            self.batches.append(list(texts))
            raise ValueError("cannot tokenize")
        return super().embed(texts, kind)


def test_one_bad_text_fails_only_its_own_request():
    inner = PickyEmbedder()
    batcher = BatchingEmbedder(inner)
    texts = ["bad", *[f"{chr(97 + i)}ok" for i in range(7)]]
    results, errors = {}, {}

    def ask(t):
        try:
            results[t] = batcher.embed([t], "query")
        except ValueError as exc:
            errors[t] = exc

    first = threading.Thread(target=ask, args=("zfirst",))
    first.start()  # the worker takes it alone and waits for the release, while the rest queue up behind it
    time.sleep(0.2)
    threads = [threading.Thread(target=ask, args=(t,)) for t in texts]
    for t in threads:
        t.start()
    time.sleep(0.2)
    inner.release.set()
    for t in [first, *threads]:
        t.join(5)
    assert any("bad" in b and len(b) > 1 for b in inner.batches)  # it really shared a batch with others
    assert set(errors) == {"bad"}
    assert set(results) == set(texts) - {"bad"} | {"zfirst"}
    for t in results:
        assert results[t][0, 0] == len(t)
