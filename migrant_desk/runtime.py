"""Wiring: from Settings to a ready DeskService (knowledge base, model, index, calibration).

Used by `serve`, `ask`, `index build` and `eval`, so each starts the same way. Invalid entries are skipped
and reported (the rest of the knowledge base still serves); an index that does not match the model or the
knowledge base is rebuilt, or refused with a clear message when MIGRANT_DESK_ON_STALE_INDEX=refuse.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from . import index as index_store
from . import knowledge_base
from .abstention import load_calibration
from .config import Settings
from .embedding.batching import BatchingEmbedder
from .embedding.embedder import CachedEmbedder, Embedder, load_embedder
from .errors import StartupError
from .knowledge_base import Entry, EntryProblem
from .service import DeskService

log = logging.getLogger("migrant_desk")


@dataclass
class Runtime:
    settings: Settings
    entries: list[Entry]
    problems: list[EntryProblem]
    embedder: Embedder
    index: index_store.EntryIndex
    service: DeskService
    rebuilt: bool


def load_entries(path: Path) -> tuple[list[Entry], list[EntryProblem]]:
    result = knowledge_base.load(path)
    for problem in result.problems:
        log.warning("skipping invalid entry: %s", problem)
    if not result.entries:
        raise StartupError(f"no valid entries in knowledge base {path}; run `migrant-desk kb validate {path}`")
    return result.entries, result.problems


def make_embedder(settings: Settings) -> CachedEmbedder:
    inner = load_embedder(settings.model, settings.cache_dir)
    return CachedEmbedder(inner, settings.cache_dir / "embeddings.db")


def build_index(entries: list[Entry], embedder: Embedder, show_progress: bool = True) -> index_store.EntryIndex:
    total = sum(len(index_store.texts_of(e)) for e in entries)
    with tqdm(total=total, desc="embedding", unit="text", disable=not show_progress or total < 200) as bar:
        return index_store.build(entries, embedder, progress=bar.update)


def ensure_index(settings: Settings, entries: list[Entry], embedder: Embedder,
                 force: bool = False) -> tuple[index_store.EntryIndex, bool]:
    kb_hash = knowledge_base.content_hash(entries)
    manifest = index_store.read_manifest(settings.index_dir, settings.index_name)
    reason = "a rebuild was requested" if force else index_store.staleness(
        manifest, embedder.model_id, embedder.dim, kb_hash)
    if reason is None:
        loaded = index_store.load(settings.index_dir, settings.index_name)
        if loaded is not None:
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


def start(settings: Settings, force_rebuild: bool = False) -> Runtime:
    entries, problems = load_entries(settings.kb_path)
    embedder = make_embedder(settings)
    index, rebuilt = ensure_index(settings, entries, embedder, force=force_rebuild)
    calibration = load_calibration(settings.calibration_path)
    if calibration.model_id and calibration.model_id != embedder.model_id:
        log.warning("calibration was tuned for %s, not %s: thresholds may not fit", calibration.model_id,
                    embedder.model_id)
    service = DeskService(entries, index, BatchingEmbedder(embedder), calibration, settings.default_lang)
    return Runtime(settings, entries, problems, embedder, index, service, rebuilt)
