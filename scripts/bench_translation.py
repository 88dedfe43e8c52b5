"""What machine translation adds to /v1/ask: the translation-memory lookups of translation/answers.py.

Fills a throwaway database with one machine translation per (entry, language) for the bundled knowledge base
(every entry × the 13 non-source languages, ~2 rows each), then times `choose_answer` for every entry in a
language it has no human variant for. No model is needed: /v1/ask only reads the memory.

    python scripts/bench_translation.py            # prints the median and p95 in milliseconds
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from migrant_desk import knowledge_base  # noqa: E402
from migrant_desk.config import PROJECT_ROOT  # noqa: E402
from migrant_desk.db import Store  # noqa: E402
from migrant_desk.languages import SUPPORTED_LANGUAGES  # noqa: E402
from migrant_desk.translation.answers import choose_answer  # noqa: E402
from migrant_desk.translation.memory import TranslationMemory  # noqa: E402
from migrant_desk.translation.translator import kb_texts  # noqa: E402


class Provider:
    def __init__(self, memory: TranslationMemory):
        self.memory = memory

    def best(self, text, source_lang, target_lang):
        return self.memory.best(text, source_lang, target_lang)

    def languages_with_model(self):
        return set(SUPPORTED_LANGUAGES)


def main() -> None:
    entries = knowledge_base.load(PROJECT_ROOT / "knowledge_base").entries
    with tempfile.TemporaryDirectory() as tmp:
        memory = TranslationMemory(Store(Path(tmp) / "bench.sqlite"))
        rows = 0
        for lang in SUPPORTED_LANGUAGES:
            for entry in entries:
                if lang in entry.translations:
                    continue
                for ref, text in kb_texts(entry, "en"):
                    memory.put(text, "en", lang, "argos:bench", f"[{lang}] {text}", gate_passed=True,
                               gate_score=0.9, ref=ref)
                    rows += 1
        timings = []
        for _ in range(5):
            for lang in SUPPORTED_LANGUAGES:
                for entry in entries:
                    if lang in entry.translations:
                        continue
                    started = time.perf_counter()
                    shown = choose_answer(entry, lang, Provider(memory))
                    timings.append((time.perf_counter() - started) * 1000)
                    assert shown.translation == "machine"
        timings.sort()
        print(f"{rows} memory rows; {len(timings)} lookups: median {statistics.median(timings):.3f} ms, "
              f"p95 {timings[int(len(timings) * 0.95)]:.3f} ms")


if __name__ == "__main__":
    main()
