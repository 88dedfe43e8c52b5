"""Wiring: from Settings to a ready DeskService (knowledge base, model, index, calibration, publisher), and the
services the HTTP handlers use, built once when the app starts (`build_services`; deps.py injects them).

Used by `serve`, `ask` and `index build`, so each starts the same way. The database holds the entries (with
revisions); an empty database is seeded from the knowledge-base files, where invalid entries are skipped and
reported (the rest still serves). An index that does not match the model or the published entries is rebuilt,
or refused with a clear message when MIGRANT_DESK_ON_STALE_INDEX=refuse.
"""

from __future__ import annotations

import itertools
import logging
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm import tqdm

from . import db, knowledge_base, live_versions
from . import index as index_store
from .abstention import load_calibration
from .config import Settings
from .editorial import gaps
from .editorial.offices_files import open_directory
from .editorial.publish import Publisher
from .editorial.store import EditorialStore
from .embedding.batching import BatchingEmbedder
from .embedding.cache import open_cache
from .embedding.embedder import CachedEmbedder, Embedder, load_embedder
from .errors import StartupError
from .knowledge_base import Entry, EntryProblem
from .reports.counts import OutcomeCounter
from .service import DeskService
from .tickets.service import TicketService
from .tickets.settings import TicketSettings
from .tickets.translate import message_translator
from .translation import Translator, open_translator

if TYPE_CHECKING:
    from .limits import Limits
    from .metrics import Metrics

log = logging.getLogger("migrant_desk")


@dataclass
class Runtime:
    """What `start` built. The entries and the index that answer live in one place, the desk's snapshot
    (`service.snapshot`), which a publish swaps; `entries` and `index` here read it, never a copy from start."""

    settings: Settings
    problems: list[EntryProblem]
    embedder: Embedder
    service: DeskService
    rebuilt: bool
    store: db.Store
    editorial: EditorialStore
    publisher: Publisher
    translation: Translator | None = None  # machine translation (docs/translation.md)
    pending_rebuild: Future | None = None  # a rebuild started at start because the index was behind
    started_build: str = ""  # the index build that answered when start returned (history, not the live one)
    offices_version: int = 0  # live_versions.OFFICES when the office directory was loaded (replicas.py)

    @property
    def entries(self) -> list[Entry]:
        return list(self.service.snapshot.entries.values())

    @property
    def index(self) -> index_store.EntryIndex:
        return self.service.snapshot.index


def load_entries(path: Path) -> tuple[list[Entry], list[EntryProblem]]:
    result = knowledge_base.load(path)
    for problem in result.problems:
        log.warning("skipping invalid entry: %s", problem)
    if not result.entries:
        raise StartupError(f"no valid entries in knowledge base {path}; run `migrant-desk kb validate {path}`")
    return result.entries, result.problems


def open_knowledge_base(settings: Settings) -> tuple[db.Store, EditorialStore, list[Entry], list[EntryProblem]]:
    """The database is the source of truth; an empty one is seeded from settings.kb_path (YAML or JSONL)."""
    return open_published(settings)[:4]


def open_published(settings: Settings) -> tuple[db.Store, EditorialStore, list[Entry], list[EntryProblem], int]:
    """open_knowledge_base, and the live version the entries were read at (live_versions.py: a server compares
    it with the database's to notice another replica's publish)."""
    store = db.open_store(settings)
    editorial = EditorialStore(store)
    problems: list[EntryProblem] = []
    if editorial.is_empty():
        seed, problems = load_entries(settings.kb_path)
        counts = editorial.import_entries(seed, author="seed")
        log.warning("seeded the database %s from %s: %s", store.describe(), settings.kb_path, counts)
    version = live_versions.version(store.db, live_versions.KB)  # before the entries, never after
    entries = editorial.published_entries()
    if not entries:
        raise StartupError(f"no published entries in {store.describe()}; run `migrant-desk kb import PATH`")
    return store, editorial, entries, problems, version


def make_embedder(settings: Settings, store: db.Store | None = None) -> CachedEmbedder:
    """The model behind the embedding cache: on PostgreSQL the database's shared table (replicas embed a text
    once between them), else the SQLite file in the cache folder (embedding/cache.py)."""
    inner = load_embedder(settings.model, settings.cache_dir, settings.engine)
    if store is None and settings.database_url and db.sqlite_path(settings.database_url) is None:
        store = db.open_store(settings)
    return CachedEmbedder(inner, open_cache(store, settings.cache_dir))


def build_index(entries: list[Entry], embedder: Embedder, show_progress: bool = True) -> index_store.EntryIndex:
    total = sum(len(index_store.texts_of(e)) for e in entries)
    with tqdm(total=total, desc="embedding", unit="text", disable=not show_progress or total < 200) as bar:
        return index_store.build(entries, embedder, progress=bar.update)


def ensure_index(settings: Settings, entries: list[Entry], embedder: Embedder, force: bool = False,
                 serve_previous: bool = False) -> tuple[index_store.EntryIndex, bool]:
    """The index for these entries: loaded if current, else built (or refused). With `serve_previous`, an index
    that is only behind on content (same model, same format: e.g. a publish interrupted by a crash) is returned
    as it is, with rebuilt=False, and the caller rebuilds in the background."""
    kb_hash = knowledge_base.content_hash(entries)
    manifest = index_store.read_manifest(settings.index_dir, settings.index_name)
    reason = "a rebuild was requested" if force else index_store.staleness(
        manifest, embedder.model_id, embedder.dim, kb_hash)
    content_only = (reason is not None and not force and manifest is not None
                    and index_store.staleness(manifest, embedder.model_id, embedder.dim, manifest.kb_hash) is None)
    if reason is None or (serve_previous and content_only and settings.on_stale_index == "rebuild"):
        loaded = index_store.load(settings.index_dir, settings.index_name)
        if loaded is not None:
            if reason is not None:
                log.warning("serving the previous index %s while it is rebuilt: %s", manifest.build_id, reason)
            return loaded, False
        reason = "the index files are missing"
    if not force and manifest is not None and settings.on_stale_index == "refuse":
        raise StartupError(
            f"index {settings.index_dir / settings.index_name} cannot serve: {reason}. "
            "Run `migrant-desk index build`, or set MIGRANT_DESK_ON_STALE_INDEX=rebuild."
        )
    log.warning("building index %s: %s", settings.index_name, reason)
    built = build_index(entries, embedder)
    index_store.save(built, settings.index_dir, settings.index_name)
    return built, True


def limit_blas_threads() -> None:
    """The service's numpy work is small (a 384 x few-thousand product per query, ~0.2 ms on one core), while
    ONNX Runtime keeps both cores busy: with OpenBLAS's default 2 spinning threads the same product took ~7 ms
    under concurrent requests (measured with cProfile here). One BLAS thread leaves the cores to the model."""
    import threadpoolctl

    threadpoolctl.threadpool_limits(1, user_api="blas")


def tune_malloc() -> None:
    """Fewer glibc malloc arenas, and freed memory returned sooner. With glibc's default (8 arenas per core),
    each request thread keeps its own arena of freed numpy temporaries: serving RSS rose ~180 MB over 4,000
    concurrent asks and stayed there; with 2 arenas and a 128 KB trim threshold, ~90 MB (scripts/bench_ask.py).
    Must run before the thread pools start; a no-op where the C library is not glibc."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return
    m_trim_threshold, m_arena_max = -1, -8
    mallopt(m_arena_max, 2)
    mallopt(m_trim_threshold, 128 * 1024)


def start(settings: Settings, force_rebuild: bool = False) -> Runtime:
    tune_malloc()
    limit_blas_threads()
    with db.starting(settings.database):  # replicas starting together: one creates the tables and seeds
        store, editorial, entries, problems, version = open_published(settings)
        offices_version = live_versions.version(store.db, live_versions.OFFICES)  # before the records
        offices = open_directory(store.db, settings.kb_path)  # edited offices live in the database
    embedder = make_embedder(settings, store)
    index, rebuilt = ensure_index(settings, entries, embedder, force=force_rebuild, serve_previous=True)
    calibration = load_calibration(settings.calibration_path)
    if calibration.model_id and calibration.model_id != embedder.model_id:
        log.warning("calibration was tuned for %s, not %s: thresholds may not fit", calibration.model_id,
                    embedder.model_id)

    gaps.prune(store.db, settings.gap_retention_days, settings.gap_max_rows)
    logged = itertools.count(1)

    def log_question(text, lang, outcome, vector, top_entry, confidence) -> None:
        gaps.log_question(store.db, text, lang, outcome, vector, top_entry, confidence)
        if next(logged) % 200 == 0:  # keep the log within its retention and size without a timer thread
            gaps.prune(store.db, settings.gap_retention_days, settings.gap_max_rows)

    translation = open_translator(settings, store, embedder)
    service = DeskService(entries, index, BatchingEmbedder(embedder), calibration, settings.default_lang,
                          question_log=log_question, translations=translation)
    service.offices = offices

    def swap(published: list[Entry], built: index_store.EntryIndex, caught_up: bool) -> None:
        service.replace(published, built)
        if not caught_up:  # new texts get translated off the ask path, by the replica where they were published:
            translation.pretranslate_in_background(lambda: published)  # the others read the shared memory

    def serving() -> tuple[dict[str, Entry], index_store.EntryIndex]:
        live = service.snapshot  # read once: the entries and the index of one snapshot
        return live.entries, live.index

    publisher = Publisher(editorial.published_entries, embedder, swap, settings.index_dir, settings.index_name,
                          serving=serving,
                          live_version=lambda: live_versions.version(store.db, live_versions.KB),
                          served_version=version)
    # An index behind the published entries (a publish cut short by a crash, or `kb import` while stopped) serves
    # until the rebuild is done: the desk answers at once, with the previous or the new index, never neither.
    pending = None if index.manifest.kb_hash == knowledge_base.content_hash(entries) else publisher.publish()
    if settings.pretranslate_on_start:
        translation.pretranslate_in_background(lambda: list(service.snapshot.entries.values()))
    return Runtime(settings, problems, embedder, service, rebuilt, store, editorial, publisher, translation, pending,
                   started_build=index.manifest.build_id, offices_version=offices_version)


@dataclass
class Services:
    """Everything a request handler uses, built once when the app starts; deps.py hands each to the handlers
    that declare it (`DeskDep`, `TicketsDep`, ...). Nothing here is built lazily on a first request."""

    settings: Settings
    desk: DeskService  # the ask path, with the live snapshot (entries and index) that publishes swap
    store: db.Store  # the app's database
    tickets: TicketService
    editorial: EditorialStore
    publisher: Publisher
    outcomes: OutcomeCounter
    translation: Translator | None
    problems: list[EntryProblem]  # entries skipped at start (invalid)
    metrics: Metrics
    limits: Limits


def build_services(runtime: Runtime, metrics: Metrics, limits: Limits) -> Services:
    """The app's services over `runtime`: its database (a test may give it its own), its model and its index."""
    runtime.service.embedder.observe = metrics.observe_batch
    tickets = TicketService(runtime.store, TicketSettings(), message_translator(runtime.translation))
    return Services(settings=runtime.settings, desk=runtime.service, store=runtime.store, tickets=tickets,
                    editorial=EditorialStore(runtime.store), publisher=runtime.publisher,
                    outcomes=OutcomeCounter(runtime.store), translation=runtime.translation,
                    problems=runtime.problems, metrics=metrics, limits=limits)
