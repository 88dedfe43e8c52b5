"""The translation service: backend + memory + gate, as the rest of migrant-desk uses them.

* `translate_message` — the Python API for counselors' and migrants' messages (the ticket queue and
  POST /v1/translate): translates now, keeps the original, returns the gate's verdict. Nothing is stored.
* `pretranslate` — translates knowledge-base questions and answers ahead of time into every configured target
  language that lacks a human-written variant, and stores them in the memory with the gate's verdict. It runs at
  `index build`, in the background when the service starts, and after each publish, so /v1/ask only ever reads
  the memory (answers.py) and never waits for a model.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Literal

from pydantic import BaseModel, Field

from ..knowledge_base import Entry
from ..languages import FALLBACK_ORDER, SUPPORTED_LANGUAGES
from .backend import ArgosBackend, MachineOutput
from .gate import GateInput, GateVerdict, TranslationGate
from .memory import TranslationMemory, source_hash

log = logging.getLogger(__name__)
GATE_BATCH = 32

MessageStatus = Literal["machine", "unreliable", "same_language", "unavailable"]


class MessageTranslation(BaseModel):
    original: str
    source_lang: str
    target_lang: str
    status: MessageStatus = Field(description="machine: translated and passed the gate; unreliable: translated "
                                              "but the gate failed it; unavailable: no model; same_language")
    text: str | None = Field(None, description="the machine translation (also when unreliable, for staff)")
    gate: GateVerdict | None = None
    model: str | None = None
    path: list[str] = Field(default_factory=list, description="languages along the route, e.g. ko, en, vi")
    reason: str | None = None

    @property
    def shown(self) -> str:
        """What a reader who does not see the gate should get: the translation only if it passed."""
        return self.text if self.status == "machine" and self.text else self.original


class PretranslateReport(BaseModel):
    translated: int = 0  # texts sent through a model now
    reused: int = 0  # found in the memory for the current model
    rejected: int = 0  # translated now but failed the gate
    no_model: dict[str, int] = Field(default_factory=dict)  # target language -> entries without any route
    staled: int = 0
    restored: int = 0
    seconds: float = 0.0


def question_text(entry: Entry, lang: str) -> str:
    variant = entry.translations[lang]
    return variant.question or (variant.alternates[0] if variant.alternates else variant.answer[:120])


def kb_texts(entry: Entry, lang: str) -> list[tuple[str, str]]:
    """(ref, text) of the fields that are translated for an entry's variant in `lang`."""
    return [(f"kb:{entry.id}:question", question_text(entry, lang)),
            (f"kb:{entry.id}:answer", entry.translations[lang].answer)]


def source_candidates(entry: Entry) -> list[str]:
    """The human-written variants to translate from: English, then Korean (FALLBACK_ORDER), then any other."""
    return [c for c in FALLBACK_ORDER if c in entry.translations] + \
        [c for c in entry.translations if c not in FALLBACK_ORDER]


class Translator:
    def __init__(self, backend: ArgosBackend, memory: TranslationMemory, gate: TranslationGate,
                 targets: Iterable[str]):
        self.backend = backend
        self.memory = memory
        self.gate = gate
        self.targets = list(targets)
        self._worker: threading.Thread | None = None
        self._pending: Callable[[], list[Entry]] | None = None
        # True from the start of a worker until it decides, under the lock, that nothing is pending. A thread's
        # is_alive() is no substitute: a worker that has decided to stop is still alive for a moment, and a
        # request arriving then would be left pending with no worker to run it.
        self._draining = False
        self._worker_lock = threading.Lock()
        self.last_report: PretranslateReport | None = None
        self._reachable: tuple[tuple, set[str]] | None = None

    # --- messages ------------------------------------------------------------------------------------------

    def translate_message(self, text: str, source_lang: str, target_lang: str) -> MessageTranslation:
        base = {"original": text, "source_lang": source_lang, "target_lang": target_lang}
        if source_lang == target_lang:
            return MessageTranslation(**base, status="same_language")
        if not text.strip():
            return MessageTranslation(**base, status="unavailable", reason="there is no text to translate")
        route = self.backend.route(source_lang, target_lang)
        if route is None:
            return MessageTranslation(**base, status="unavailable",
                                      reason=f"no installed model translates {source_lang} to {target_lang}")
        try:
            out = self.backend.translate(text, source_lang, target_lang)
        except Exception as exc:  # noqa: BLE001 - a broken model must not lose the message; the original stays
            log.exception("translation %s->%s failed", source_lang, target_lang)
            return MessageTranslation(**base, status="unavailable", reason=f"the model failed ({type(exc).__name__})")
        verdict = self.check(out)
        return MessageTranslation(**base, status="machine" if verdict.passed else "unreliable", text=out.text,
                                  gate=verdict, model=out.model_id, path=out.path,
                                  reason=None if verdict.passed else ", ".join(verdict.reasons))

    def check(self, out: MachineOutput) -> GateVerdict:
        return self.gate.check_many([_gate_input(out)])[0]

    # --- knowledge base ------------------------------------------------------------------------------------

    def choose_source(self, entry: Entry, target_lang: str) -> tuple[str, object] | None:
        """The human-written variant to translate from, preferring a direct model over a pivot."""
        routes = [(c, self.backend.route(c, target_lang)) for c in source_candidates(entry) if c != target_lang]
        routes = [(c, r) for c, r in routes if r is not None]
        if not routes:
            return None
        return min(routes, key=lambda cr: len(cr[1].packages))

    def pretranslate(self, entries: list[Entry], targets: Iterable[str] | None = None,
                     progress: Callable[[int], None] | None = None) -> PretranslateReport:
        started = time.perf_counter()
        report = PretranslateReport()
        current = {(source_hash(text), lang) for e in entries for lang in e.translations
                   for _, text in kb_texts(e, lang)}
        report.staled, report.restored = self.memory.sync_sources(current)
        todo: list[tuple[str, str, str, str, object]] = []  # (ref, text, source_lang, target_lang, route)
        for target in targets if targets is not None else self.targets:
            for entry in entries:
                if target in entry.translations:
                    continue
                chosen = self.choose_source(entry, target)
                if chosen is None:
                    report.no_model[target] = report.no_model.get(target, 0) + 1
                    continue
                src, route = chosen
                for ref, text in kb_texts(entry, src):
                    if self.memory.get(text, src, target, route.model_id) is not None:
                        report.reused += 1
                    else:
                        todo.append((ref, text, src, target, route))
        for start in range(0, len(todo), GATE_BATCH):
            batch = todo[start : start + GATE_BATCH]
            outputs = [self.backend.translate(text, src, tgt) for _, text, src, tgt, _ in batch]
            verdicts = self.gate.check_many([_gate_input(o) for o in outputs])
            for (ref, text, src, tgt, _), out, verdict in zip(batch, outputs, verdicts):
                self.memory.put(text, src, tgt, out.model_id, out.text, gate_passed=verdict.passed,
                                gate_score=verdict.score, gate_reasons=verdict.reasons, ref=ref)
                report.translated += 1
                report.rejected += not verdict.passed
            if progress:
                progress(len(batch))
        report.seconds = round(time.perf_counter() - started, 3)
        self.last_report = report
        return report

    def pretranslate_in_background(self, load_entries: Callable[[], list[Entry]]) -> None:
        """Run `pretranslate` on a worker thread; a request arriving while one runs is folded into a rerun."""
        with self._worker_lock:
            self._pending = load_entries
            if self._draining:  # the running worker takes it on its next round
                return
            self._draining = True
            self._worker = threading.Thread(target=self._drain, name="pretranslate", daemon=True)
            self._worker.start()

    def _drain(self) -> None:
        stopped = False
        try:
            while True:
                with self._worker_lock:
                    load, self._pending = self._pending, None
                    if load is None:
                        self._draining = False  # decided under the lock (see __init__)
                        stopped = True
                        return
                try:
                    if self.backend.installed():
                        report = self.pretranslate(load())
                        log.info("pre-translation done: %s", report.model_dump())
                except Exception:  # noqa: BLE001 - answers keep working from the memory and human variants
                    log.exception("pre-translation failed")
        finally:
            if not stopped:  # killed by something no `except Exception` catches: let the next request start one
                with self._worker_lock:
                    self._draining = False

    def wait(self, timeout: float | None = None) -> None:
        """Block until background pre-translation is done (tests, `index build`)."""
        while True:
            with self._worker_lock:
                worker = self._worker
            if worker is None or not worker.is_alive():
                return
            worker.join(timeout)
            if timeout is not None:
                return

    def best(self, text: str, source_lang: str, target_lang: str):
        """The memory row answers.py shows for a knowledge-base text (see TranslationMemory.best)."""
        return self.memory.best(text, source_lang, target_lang)

    def languages_with_model(self) -> set[str]:
        """Languages reachable from English or Korean, configured as targets or not (what answers.py calls
        "a model exists"); cached until the package folder changes."""
        signature = self.backend.signature()
        if self._reachable is None or self._reachable[0] != signature:
            langs = {t for t in SUPPORTED_LANGUAGES
                     if any(self.backend.route(s, t) for s in FALLBACK_ORDER if s != t)}
            self._reachable = (signature, langs)
        return self._reachable[1]


def _gate_input(out: MachineOutput) -> GateInput:
    return GateInput(source=" ".join(s.source for s in out.segments) or out.text, output=out.text,
                     target_lang=out.target_lang, segments=[(s.source, s.text) for s in out.segments])


__all__ = ["MessageTranslation", "PretranslateReport", "Translator"]
