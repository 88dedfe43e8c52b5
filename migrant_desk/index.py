"""The FAISS index over every language variant's question, alternates and answer, with its manifest.

Layout on disk (one folder per index name):
    indexes/<name>/CURRENT                   the build id being served (replaced atomically)
    indexes/<name>/builds/<build_id>/        index.faiss, records.json, manifest.json
A build is written into its own folder first and only then named in CURRENT (temp file + os.replace), so a
crash mid-build leaves the previous index serving. Only the current and the previous build are kept.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import faiss
import numpy as np
from pydantic import BaseModel

from .embedding.embedder import Embedder
from .file_lock import file_lock
from .knowledge_base import Entry, content_hash, normalise_text

FORMAT_VERSION = 1
TextKind = Literal["question", "alternate", "answer"]


class VectorRecord(BaseModel):
    entry_id: str
    lang: str
    kind: TextKind


class Manifest(BaseModel):
    format_version: int = FORMAT_VERSION
    build_id: str
    model_id: str
    dim: int
    kb_hash: str
    entry_count: int
    vector_count: int
    built_at: str
    build_seconds: float


@dataclass(frozen=True)
class EntryHit:
    entry_id: str
    score: float  # language-centred fusion (see EntryIndex.search); what ranking and abstention use
    best_cosine: float  # the raw cosine of the entry's best-matching vector
    matched_lang: str  # language of the best-matching variant


def texts_of(entry: Entry) -> list[tuple[str, VectorRecord]]:
    """Every text of an entry that gets a vector."""
    out = []
    for lang, variant in entry.translations.items():
        if variant.question.strip():
            out.append((variant.question, VectorRecord(entry_id=entry.id, lang=lang, kind="question")))
        for alt in variant.alternates:
            out.append((alt, VectorRecord(entry_id=entry.id, lang=lang, kind="alternate")))
        out.append((variant.answer, VectorRecord(entry_id=entry.id, lang=lang, kind="answer")))
    return [(normalise_text(t), r) for t, r in out]


# Below this many vectors every query is scored against every vector (exact; ~1 ms at 10k). From it on, an IVF
# index proposes candidates and only their entries are scored exactly (scripts/bench_search.py: recall@10 of
# the entry ranking and p50 at 10k, 100k and 1M vectors).
APPROX_MIN_VECTORS = 50_000
APPROX_CANDIDATE_VECTORS = 512  # vectors the IVF index returns per query; their entries are re-scored exactly
APPROX_NPROBE = 24


def _centred_vectors(vectors: np.ndarray, lang_codes: np.ndarray, n_langs: int) -> np.ndarray:
    """[v, -onehot(lang)]: with the query written as [q, lang_mean(q)], the inner product is the centred score
    v.q - mean_l(q), so one inner-product search ranks by the same centred similarity as the exact path."""
    out = np.zeros((len(vectors), vectors.shape[1] + n_langs), dtype=np.float32)
    out[:, : vectors.shape[1]] = vectors
    out[np.arange(len(vectors)), vectors.shape[1] + lang_codes] = -1.0
    return out


def build_ivf(vectors: np.ndarray, lang_codes: np.ndarray, n_langs: int) -> faiss.Index:
    data = _centred_vectors(vectors, lang_codes, n_langs)
    nlist = int(min(4096, max(64, 2 * np.sqrt(len(data)))))
    quantizer = faiss.IndexFlatIP(data.shape[1])
    ivf = faiss.IndexIVFFlat(quantizer, data.shape[1], nlist, faiss.METRIC_INNER_PRODUCT)
    sample = data[np.random.default_rng(0).choice(len(data), min(len(data), 64 * nlist), replace=False)]
    ivf.train(sample)
    ivf.add(data)
    ivf.nprobe = APPROX_NPROBE
    return ivf


class EntryIndex:
    """Vectors of all texts; search returns entries ranked by a fusion of their vectors' similarities."""

    def __init__(self, faiss_index: faiss.Index, records: list[VectorRecord], manifest: Manifest,
                 ivf: faiss.Index | None = None):
        self.faiss_index = faiss_index
        self.records = records
        self.manifest = manifest
        self._entries = sorted({r.entry_id for r in records})
        self._langs = sorted({r.lang for r in records})
        entry_code = {e: i for i, e in enumerate(self._entries)}
        lang_code = {l: i for i, l in enumerate(self._langs)}
        groups = sorted({(entry_code[r.entry_id], lang_code[r.lang]) for r in records})
        group_code = {g: i for i, g in enumerate(groups)}
        self._vec_lang = np.array([lang_code[r.lang] for r in records], dtype=np.int64)
        self._vec_group = np.array([group_code[(entry_code[r.entry_id], lang_code[r.lang])] for r in records],
                                   dtype=np.int64)
        self._vec_entry = np.array([entry_code[r.entry_id] for r in records], dtype=np.int64)
        self._group_entry = np.array([g[0] for g in groups], dtype=np.int64)
        self._group_lang = np.array([g[1] for g in groups], dtype=np.int64)
        self._entry_groups = np.bincount(self._group_entry, minlength=len(self._entries)).astype(np.float64)
        n = faiss_index.ntotal
        # A view of the flat index's own storage (no copy): the vectors, for centroids and exact re-scoring.
        self.vectors = (faiss.rev_swig_ptr(faiss_index.get_xb(), n * faiss_index.d).reshape(n, faiss_index.d)
                        if n else np.zeros((0, faiss_index.d), dtype=np.float32))
        # The mean of a language's cosines is the query's dot product with that language's centroid.
        self._centroids = np.zeros((len(self._langs), faiss_index.d), dtype=np.float64)
        for code in range(len(self._langs)):  # not np.add.at: 0.24 s of every publish at 13k vectors, this ~10 ms
            self._centroids[code] = self.vectors[self._vec_lang == code].sum(axis=0, dtype=np.float64)
        self._centroids /= np.maximum(np.bincount(self._vec_lang, minlength=len(self._langs)), 1)[:, None]
        # Rows of each entry, for exact re-scoring of approximate candidates.
        self._entry_rows = np.argsort(self._vec_entry, kind="stable")
        self._entry_start = np.r_[0, np.cumsum(np.bincount(self._vec_entry, minlength=len(self._entries)))]
        self.ivf = ivf
        if self.ivf is None and n >= APPROX_MIN_VECTORS:
            self.ivf = build_ivf(self.vectors, self._vec_lang, len(self._langs))

    @property
    def entry_ids(self) -> list[str]:
        return list(self._entries)

    @property
    def approximate(self) -> bool:
        return self.ivf is not None

    def lang_means(self, query: np.ndarray) -> np.ndarray:
        return self._centroids @ query.astype(np.float64)

    def search(self, query: np.ndarray, k: int = 10) -> list[EntryHit]:
        """Rank entries by language-centred, language-averaged similarity.

        Measured on the tuning queries (README, "Retrieval"): e5 gives every text in the query's own language a
        higher cosine, so an entry that happens to have a variant in that language outranks the right entry
        that has none. Subtracting, per language, the query's mean cosine to that language's vectors (its dot
        product with the language centroid) removes this bias; an entry then scores the mean over its
        languages of its best centred match in each, which rewards entries whose variants agree.
        Exact over all vectors below APPROX_MIN_VECTORS; above, over the entries of the IVF candidates.
        """
        if self.faiss_index.ntotal == 0:
            return []
        query = query.reshape(-1).astype(np.float32)
        lang_mean = self.lang_means(query)
        if self.ivf is None:
            rows = None
            cos = self.vectors @ query
        else:
            rows = self._candidate_rows(query, lang_mean)
            cos = self.vectors[rows] @ query
        return self._rank(cos.astype(np.float64), rows, lang_mean, k)

    def _candidate_rows(self, query: np.ndarray, lang_mean: np.ndarray) -> np.ndarray:
        augmented = np.concatenate([query, lang_mean.astype(np.float32)])[None, :]
        _, idx = self.ivf.search(augmented, APPROX_CANDIDATE_VECTORS)
        entries = np.unique(self._vec_entry[idx[0][idx[0] >= 0]])
        return np.concatenate([self._entry_rows[self._entry_start[e]: self._entry_start[e + 1]] for e in entries])

    def _rank(self, cos: np.ndarray, rows: np.ndarray | None, lang_mean: np.ndarray, k: int) -> list[EntryHit]:
        vec_lang = self._vec_lang if rows is None else self._vec_lang[rows]
        vec_group = self._vec_group if rows is None else self._vec_group[rows]
        vec_entry = self._vec_entry if rows is None else self._vec_entry[rows]
        centred = cos - lang_mean[vec_lang]
        group_best = np.full(len(self._group_entry), -np.inf)
        np.maximum.at(group_best, vec_group, centred)
        seen = np.isfinite(group_best)
        entry_score = np.bincount(self._group_entry[seen], weights=group_best[seen], minlength=len(self._entries))
        entry_score /= self._entry_groups
        entry_score[np.bincount(vec_entry, minlength=len(self._entries)) == 0] = -np.inf  # not a candidate
        best_cos = np.full(len(self._entries), -np.inf)
        np.maximum.at(best_cos, vec_entry, cos)
        order = np.lexsort((group_best, self._group_entry))  # by entry, then score ascending
        last = np.r_[self._group_entry[order][1:] != self._group_entry[order][:-1], True]
        best_group = np.empty(len(self._entries), dtype=np.int64)
        best_group[self._group_entry[order][last]] = order[last]
        top = np.argsort(-entry_score)[:k]
        return [
            EntryHit(entry_id=self._entries[i], score=float(entry_score[i]), best_cosine=float(best_cos[i]),
                     matched_lang=self._langs[self._group_lang[best_group[i]]])
            for i in top if np.isfinite(entry_score[i])
        ]


def build(entries: list[Entry], embedder: Embedder, progress: Callable[[int], None] | None = None,
          batch_size: int = 256, previous: EntryIndex | None = None,
          previous_entries: Mapping[str, Entry] | None = None) -> EntryIndex:
    """The index of `entries`. With `previous` (the index a publish replaces, for the same model) and the entries
    it was built from, an unchanged entry's vectors are copied from it and only changed entries' texts go to the
    embedder (and its cache): looking 13,000 texts up in the cache took 0.3 s of every publish."""
    started = dt.datetime.now(dt.timezone.utc)
    # Only from an index that was built from exactly those entries, with this model: at start an index behind
    # the database's entries may be serving them while it is rebuilt, and its vectors are not theirs.
    reusable = (_entry_rows(previous) if previous is not None and previous_entries is not None
                and (previous.manifest.model_id, previous.manifest.dim) == (embedder.model_id, embedder.dim)
                and previous.manifest.kb_hash == content_hash(list(previous_entries.values())) else {})
    records: list[VectorRecord] = []
    copied: list[tuple[int, slice]] = []  # (first row here, rows in previous)
    rows_to_embed: list[int] = []
    texts: list[str] = []
    for entry in entries:
        old_rows = reusable.get(entry.id)
        if old_rows is not None and previous_entries.get(entry.id) == entry:
            copied.append((len(records), old_rows))
            records.extend(previous.records[old_rows])
            continue
        for text, record in texts_of(entry):
            rows_to_embed.append(len(records))
            texts.append(text)
            records.append(record)
    vectors = np.zeros((len(records), embedder.dim), dtype=np.float32)
    for start, old_rows in copied:
        vectors[start : start + old_rows.stop - old_rows.start] = previous.vectors[old_rows]
    # Globally length-sorted, so each batch holds texts of similar length (far less padding than file order).
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    for i in range(0, len(order), batch_size):
        batch = order[i : i + batch_size]
        vectors[[rows_to_embed[j] for j in batch]] = embedder.embed([texts[j] for j in batch], "passage")
        if progress:
            progress(len(batch))
    index = faiss.IndexFlatIP(embedder.dim)
    index.add(vectors)
    manifest = Manifest(
        build_id=started.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8],
        model_id=embedder.model_id, dim=embedder.dim, kb_hash=content_hash(entries),
        entry_count=len(entries), vector_count=len(records), built_at=started.isoformat(timespec="seconds"),
        build_seconds=round((dt.datetime.now(dt.timezone.utc) - started).total_seconds(), 3),
    )
    return EntryIndex(index, records, manifest)


def _entry_rows(index: EntryIndex) -> dict[str, slice]:
    """Each entry's rows in an index, when they are one run (as build() writes them); else it is not reused."""
    runs: dict[str, slice | None] = {}
    start = 0
    records = index.records
    for i in range(1, len(records) + 1):
        if i == len(records) or records[i].entry_id != records[start].entry_id:
            entry_id = records[start].entry_id
            runs[entry_id] = None if entry_id in runs else slice(start, i)
            start = i
    return {entry_id: rows for entry_id, rows in runs.items() if rows is not None}


def _write_atomic(path: Path, data: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def save(index: EntryIndex, root: Path, name: str) -> Path:
    base = root / name
    builds = base / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=builds))
    faiss.write_index(index.faiss_index, str(staging / "index.faiss"))
    if index.ivf is not None:
        faiss.write_index(index.ivf, str(staging / "ivf.faiss"))
    # The same JSON as model_dump() per record, without pydantic's serializer (0.15 s at 13k records)
    (staging / "records.json").write_text(json.dumps([{"entry_id": r.entry_id, "lang": r.lang, "kind": r.kind}
                                                      for r in index.records]))
    (staging / "manifest.json").write_text(index.manifest.model_dump_json(indent=2))
    final = builds / index.manifest.build_id
    # Replicas on one machine may share this folder: naming a build current and pruning happen under an
    # exclusive lock, so one process's pruning never removes a build another has renamed but not yet named.
    with file_lock(base / ".save.lock"):
        os.replace(staging, final)
        previous = current_build_id(root, name)
        _write_atomic(base / "CURRENT", index.manifest.build_id)
        for old in builds.iterdir():
            if old.name not in {index.manifest.build_id, previous} and not _being_written(old):
                shutil.rmtree(old, ignore_errors=True)
    return final


STAGING_KEEP_SECONDS = 600  # a staging folder this old is left over from a crash; a younger one may be in use


def _being_written(path: Path) -> bool:
    """Another process's staging folder (it writes there before taking the lock)."""
    try:
        return path.name.startswith(".staging-") and time.time() - path.stat().st_mtime < STAGING_KEEP_SECONDS
    except FileNotFoundError:
        return True


def current_build_id(root: Path, name: str) -> str | None:
    pointer = root / name / "CURRENT"
    return pointer.read_text().strip() if pointer.exists() else None


def read_manifest(root: Path, name: str) -> Manifest | None:
    build_id = current_build_id(root, name)
    if not build_id:
        return None
    path = root / name / "builds" / build_id / "manifest.json"
    return Manifest.model_validate_json(path.read_text()) if path.exists() else None


def load(root: Path, name: str) -> EntryIndex | None:
    build_id = current_build_id(root, name)
    if not build_id:
        return None
    folder = root / name / "builds" / build_id
    manifest = Manifest.model_validate_json((folder / "manifest.json").read_text())
    records = [VectorRecord.model_validate(r) for r in json.loads((folder / "records.json").read_text())]
    faiss_index = faiss.read_index(str(folder / "index.faiss"))
    if faiss_index.ntotal != len(records) or faiss_index.d != manifest.dim:
        raise ValueError(f"index {folder} is inconsistent: {faiss_index.ntotal} vectors, {len(records)} records")
    ivf = faiss.read_index(str(folder / "ivf.faiss")) if (folder / "ivf.faiss").exists() else None
    if ivf is not None:
        ivf.nprobe = APPROX_NPROBE
    return EntryIndex(faiss_index, records, manifest, ivf=ivf)


def staleness(manifest: Manifest | None, model_id: str, dim: int, kb_hash: str) -> str | None:
    """Why an index cannot serve this model and knowledge base, or None when it can."""
    if manifest is None:
        return "no index has been built yet"
    if manifest.format_version != FORMAT_VERSION:
        return f"index format {manifest.format_version} is not the current {FORMAT_VERSION}"
    if manifest.model_id != model_id or manifest.dim != dim:
        return f"index was built with model {manifest.model_id} (dim {manifest.dim}), not {model_id} (dim {dim})"
    if manifest.kb_hash != kb_hash:
        return "the knowledge base changed since the index was built"
    return None
