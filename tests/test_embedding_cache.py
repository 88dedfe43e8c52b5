"""The embedding cache on each set-up: a file beside the model on SQLite; on PostgreSQL the machine's file and
then the database's shared table, where a second replica finds what the first one embedded (embedding/cache.py)."""

import hashlib

import numpy as np

from migrant_desk import db
from migrant_desk.embedding.cache import FileEmbeddingCache, TieredEmbeddingCache, open_cache
from migrant_desk.embedding.embedder import CachedEmbedder


class CountingModel:
    """Stands in for the model (the cache is under test): a fixed vector per text, and a count of texts embedded."""

    model_id, dim = "counting-model", 8

    def __init__(self):
        self.embedded: list[str] = []

    def embed(self, texts, kind):
        self.embedded += texts
        rows = [np.frombuffer(hashlib.sha256(f"{kind}:{t}".encode()).digest()[:8], dtype=np.uint8).astype(np.float32)
                for t in texts]
        return np.stack(rows) if rows else np.zeros((0, self.dim), dtype=np.float32)


def test_a_second_replica_embeds_nothing_the_first_one_embedded(database_url, tmp_path):
    texts = ["퇴직금은 언제 받나요?", "Where do I renew my visa?", "Tôi bị nợ lương", "퇴직금은 언제 받나요?"]
    first_store, second_store = db.Store(database_url), db.Store(database_url)  # two processes' connections
    first_model, second_model = CountingModel(), CountingModel()
    first = CachedEmbedder(first_model, open_cache(first_store, tmp_path / "cache-a"))
    a = first.embed(texts, "passage")
    assert first_model.embedded == texts and (first.misses, first.hits) == (4, 0)

    # The second replica: on PostgreSQL another machine (its own cache folder), on SQLite the same machine.
    folder = tmp_path / ("cache-b" if first_store.dialect.name == "postgresql" else "cache-a")
    second = CachedEmbedder(second_model, open_cache(second_store, folder))
    b = second.embed(texts, "passage")
    assert second_model.embedded == [] and second.hits == 4
    assert np.array_equal(a, b) and a.dtype == np.float32 and a.shape == (4, 8)
    assert second.embed(["new text"], "passage").shape == (1, 8) and second_model.embedded == ["new text"]
    # Questions are never written anywhere: a migrant's words are not kept as a side effect of asking.
    second.embed(["my boss keeps my passport"], "query")
    assert second.cache.get([second._key("my boss keeps my passport", "query")]) == {}

    if first_store.dialect.name == "postgresql":
        assert isinstance(first.cache, TieredEmbeddingCache)
        assert first_store.db.execute("SELECT COUNT(*) FROM embedding_cache").fetchone()[0] == 4
        # what the second machine read from the table is now in its own file too
        assert set(FileEmbeddingCache(tmp_path / "cache-b" / "embeddings.db").get(
            [second._key(t, "passage") for t in texts])) == {second._key(t, "passage") for t in texts}
    else:
        assert isinstance(first.cache, FileEmbeddingCache) and (tmp_path / "cache-a" / "embeddings.db").exists()
        assert not first_store.db.table_exists("embedding_cache")  # a cache stays out of the service database


def test_a_machine_with_a_warm_file_embeds_nothing_on_an_empty_shared_table(database_url, tmp_path):
    """Moving to PostgreSQL (or adding a replica on a machine that served before) does not embed the knowledge
    base again: the machine's file answers first; the table gets what is embedded from then on."""
    texts = ["a", "b", "c"]
    warm = CachedEmbedder(CountingModel(), FileEmbeddingCache(tmp_path / "cache" / "embeddings.db"))
    warm.embed(texts, "passage")
    store = db.Store(database_url)
    model = CountingModel()
    replica = CachedEmbedder(model, open_cache(store, tmp_path / "cache"))
    replica.embed(texts + ["d"], "passage")
    assert model.embedded == ["d"] and replica.hits == 3
    if store.dialect.name == "postgresql":
        assert [r[0] for r in store.db.execute("SELECT key FROM embedding_cache")] == [replica._key("d", "passage")]
