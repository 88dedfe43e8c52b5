"""Local machine translation (argostranslate / CTranslate2) with a translation memory and a confidence gate.

Modules: backend (installed packages, routing, translation), sentences + splitter (sentence splitting without
downloads), gate (failure detectors + cross-lingual similarity), calibrate (choosing the gate's threshold),
memory (SQLite translation memory), translator (the Python API and pre-translation), answers (what /v1/ask
shows), api (POST /v1/translate), cli (`migrant-desk translate ...`). See docs/translation.md. This package
knows nothing of tickets: the ticket queue adapts `Translator` to its own protocol (tickets/translate.py).

Importing this package is cheap: argostranslate's heavy modules load only when a package is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .backend import ArgosBackend, PackageError
from .gate import GateVerdict, TranslationGate, load_gate_calibration
from .memory import TranslationMemory
from .translator import MessageTranslation, PretranslateReport, Translator

if TYPE_CHECKING:
    from ..config import Settings
    from ..db import Store
    from ..embedding.embedder import Embedder


def packages_dir(settings: Settings):
    return settings.translation_dir / "packages"


def open_translator(settings: Settings, store: Store, embedder: Embedder) -> Translator:
    backend = ArgosBackend(packages_dir(settings), settings.translation_index_url)
    gate = TranslationGate(embedder, load_gate_calibration(settings.translation_gate_path))
    return Translator(backend, TranslationMemory(store), gate, settings.translation_targets)



__all__ = ["ArgosBackend", "GateVerdict", "MessageTranslation", "PackageError", "PretranslateReport",
           "TranslationGate", "TranslationMemory", "Translator", "open_translator"]
