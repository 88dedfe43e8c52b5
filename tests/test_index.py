import faiss
import numpy as np
import pytest

from migrant_desk import index as index_store
from migrant_desk import knowledge_base as kb
from migrant_desk.embedding.embedder import CachedEmbedder
from tests.conftest import write_entry


@pytest.fixture
def small_entries(tmp_path, bundled_entries):
    wanted = {"arc-registration", "severance-pay", "unpaid-wages", "deposit-protection"}
    return [e for e in bundled_entries if e.id in wanted]


def test_every_variant_text_gets_a_vector(small_entries, embedder):
    built = index_store.build(small_entries, embedder)
    expected = sum(len(v.alternates) + 1 + bool(v.question) for e in small_entries for v in e.translations.values())
    assert built.faiss_index.ntotal == built.manifest.vector_count == expected
    assert built.manifest.entry_count == 4 and built.manifest.dim == 384
    assert built.manifest.kb_hash == kb.content_hash(small_entries)


def test_search_ranks_the_matching_entry_first(small_entries, embedder):
    built = index_store.build(small_entries, embedder)
    q = embedder.embed(["퇴직금은 언제 받을 수 있어요?"], "query")[0]
    hits = built.search(q, k=4)
    assert hits[0].entry_id == "severance-pay"
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(h.matched_lang in {l for e in small_entries for l in e.translations} for h in hits)


def test_search_score_is_the_language_centred_mean_of_best_matches(small_entries, embedder):
    """The vectorised fusion equals a plain re-computation of its definition."""
    built = index_store.build(small_entries, embedder)
    q = embedder.embed(["Chủ không trả lương thì làm sao?"], "query")[0]
    vectors = built.faiss_index.reconstruct_n(0, built.faiss_index.ntotal)
    cos = vectors @ q
    langs = {r.lang for r in built.records}
    mean = {l: np.mean([c for c, r in zip(cos, built.records) if r.lang == l]) for l in langs}
    for hit in built.search(q, k=4):
        per_lang = {}
        for c, r in zip(cos, built.records):
            if r.entry_id == hit.entry_id:
                per_lang[r.lang] = max(per_lang.get(r.lang, -9), c - mean[r.lang])
        assert hit.score == pytest.approx(np.mean(list(per_lang.values())), abs=1e-5)
        assert hit.best_cosine == pytest.approx(max(c for c, r in zip(cos, built.records) if r.entry_id == hit.entry_id), abs=1e-5)
        assert per_lang[hit.matched_lang] == max(per_lang.values())


def test_save_load_round_trip(tmp_path, small_entries, embedder):
    built = index_store.build(small_entries, embedder)
    index_store.save(built, tmp_path, "t")
    loaded = index_store.load(tmp_path, "t")
    assert loaded.manifest == built.manifest
    q = embedder.embed(["unpaid salary"], "query")[0]
    assert [h.entry_id for h in loaded.search(q)] == [h.entry_id for h in built.search(q)]


def test_crash_during_save_leaves_previous_index_serving(tmp_path, small_entries, embedder, monkeypatch):
    first = index_store.build(small_entries[:2], embedder)
    index_store.save(first, tmp_path, "t")

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(faiss, "write_index", crash)
    with pytest.raises(OSError):
        index_store.save(index_store.build(small_entries, embedder), tmp_path, "t")
    monkeypatch.undo()
    assert index_store.current_build_id(tmp_path, "t") == first.manifest.build_id
    assert index_store.load(tmp_path, "t").manifest.entry_count == 2


def test_old_builds_are_pruned_to_current_and_previous(tmp_path, small_entries, embedder):
    ids = []
    for _ in range(3):
        built = index_store.build(small_entries[:1], embedder)
        index_store.save(built, tmp_path, "t")
        ids.append(built.manifest.build_id)
    remaining = {p.name for p in (tmp_path / "t" / "builds").iterdir()}
    assert remaining == set(ids[1:])


def test_staleness_reasons(small_entries, embedder):
    built = index_store.build(small_entries, embedder)
    m = built.manifest
    assert index_store.staleness(m, m.model_id, m.dim, m.kb_hash) is None
    assert "no index" in index_store.staleness(None, m.model_id, m.dim, m.kb_hash)
    assert "model" in index_store.staleness(m, "other-model", m.dim, m.kb_hash)
    assert "knowledge base changed" in index_store.staleness(m, m.model_id, m.dim, "x")


def test_embedding_cache_skips_unchanged_texts(tmp_path, embedder):
    cached = CachedEmbedder(embedder.inner, tmp_path / "cache.db")
    (tmp_path / "kb").mkdir()
    write_entry(tmp_path / "kb", "one")
    entries = kb.load(tmp_path / "kb").entries
    first = index_store.build(entries, cached)
    assert cached.misses == first.manifest.vector_count and cached.hits == 0
    entries[0].translations["en"].answer = "A changed answer."
    second = index_store.build(entries, cached)
    assert cached.misses == first.manifest.vector_count + 1
    assert cached.hits == second.manifest.vector_count - 1
    fresh = embedder.inner.embed(["A changed answer."], "passage")[0]
    assert np.allclose(cached.embed(["A changed answer."], "passage")[0], fresh, atol=1e-6)


class CountingEmbedder:
    """The real embedder, counting the texts it is given."""

    def __init__(self, inner):
        self.inner, self.model_id, self.dim, self.texts = inner, inner.model_id, inner.dim, []

    def embed(self, texts, kind):
        self.texts += texts
        return self.inner.embed(texts, kind)


def test_a_build_from_the_previous_index_embeds_only_changed_entries_and_equals_a_fresh_build(
        small_entries, embedder):
    previous = index_store.build(small_entries, embedder)
    edited = small_entries[1].model_copy(deep=True)
    edited.translations["en"].answer += " Ask the labour office (1350) when in doubt."
    entries = [small_entries[0], edited, *small_entries[3:]]  # one edited, one removed
    counting = CountingEmbedder(embedder)
    reused = index_store.build(entries, counting, previous=previous,
                               previous_entries={e.id: e for e in small_entries})
    assert sorted(counting.texts) == sorted(t for t, _ in index_store.texts_of(edited))
    fresh = index_store.build(entries, embedder)
    assert reused.records == fresh.records and reused.manifest.kb_hash == fresh.manifest.kb_hash
    assert np.array_equal(reused.vectors, fresh.vectors)
    q = embedder.embed(["Ask the labour office when in doubt"], "query")[0]
    assert [(h.entry_id, h.score) for h in reused.search(q)] == [(h.entry_id, h.score) for h in fresh.search(q)]


def test_an_index_not_built_from_the_given_entries_is_not_reused(small_entries, embedder):
    """At start, an index behind the database may serve its newer entries while it is rebuilt: its vectors are
    not theirs, so nothing is copied from it."""
    behind = index_store.build(small_entries[:2], embedder)
    edited = small_entries[0].model_copy(deep=True)
    edited.translations["en"].answer += " (changed since the index was built)"
    counting = CountingEmbedder(embedder)
    index_store.build([edited, small_entries[1]], counting, previous=behind,
                      previous_entries={edited.id: edited, small_entries[1].id: small_entries[1]})
    assert len(counting.texts) == len(index_store.texts_of(edited)) + len(index_store.texts_of(small_entries[1]))
