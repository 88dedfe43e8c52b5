"""Sentence splitting that needs no download, and the choice of splitter for each installed package.

argostranslate translates sentence by sentence. Its default splitter (MiniSBD) downloads an ONNX model per
language on first use, its stanza splitter asks the internet for `resources.json` every time a pipeline is
built, and its spaCy splitter downloads a multilingual model. A service that must run without internet cannot
depend on any of that, so:

* a package that carries its own MiniSBD or spaCy model keeps using it (both load from the package folder);
* a package that carries a stanza model uses it with stanza's downloads switched off;
* every other package uses `RuleSentenceSplitter`: the punctuation rules of sentences.py, no model at all.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

# Importing argostranslate.sbd imports stanza and spaCy (~1.3 s): only backend.load_translation imports this
# module, and only once a package is installed.
from argostranslate.sbd import ISentenceBoundaryDetectionModel

from .sentences import split_sentences

log = logging.getLogger(__name__)


class RuleSentenceSplitter(ISentenceBoundaryDetectionModel):
    """argostranslate's `ISentenceBoundaryDetectionModel` without any model file or download."""

    def __init__(self, pkg: Any = None):
        self.pkg = pkg

    def split_sentences(self, text: str) -> list[str]:
        return split_sentences(text)

    def __str__(self) -> str:
        return "RuleSentenceSplitter"


def _offline_stanza_class():
    from argostranslate.sbd import StanzaSentencizer

    class OfflineStanzaSentencizer(StanzaSentencizer):
        """The package's own stanza model with stanza's resource download switched off; if the packaged model
        cannot be loaded offline, the rule splitter takes over (logged once)."""

        def __init__(self, pkg):
            super().__init__(pkg)
            self._fallback: RuleSentenceSplitter | None = None

        def lazy_pipeline(self):
            if self.stanza_pipeline is None:
                import stanza

                self.stanza_pipeline = stanza.Pipeline(
                    lang=self.stanza_lang_code, dir=str(self.pkg.package_path / "stanza"), processors="tokenize",
                    use_gpu=False, logging_level="WARNING", download_method=None,
                )
            return self.stanza_pipeline

        def split_sentences(self, text: str) -> list[str]:
            if self._fallback is None:
                try:
                    return [s.text for s in self.lazy_pipeline()(text).sentences]
                except Exception as exc:  # missing or incompatible packaged files: never go online for them
                    log.warning("stanza splitter of %s unusable offline (%s); using the rule splitter",
                                self.pkg.package_path.name, exc)
                    self._fallback = RuleSentenceSplitter(self.pkg)
            return self._fallback.split_sentences(text)

    return OfflineStanzaSentencizer


def splitter_for(pkg: Any) -> Any:
    """The sentence splitter for an installed argostranslate `Package` (see the module docstring)."""
    packaged: Path | None = pkg.packaged_sbd_path
    if packaged is not None and packaged.name == "minisbd" and any(packaged.glob("*.onnx")):
        from argostranslate.sbd import MiniSBDSentencizer

        return MiniSBDSentencizer(pkg)  # finds the .onnx in the package: no download
    if packaged is not None and packaged.name == "stanza":
        return _offline_stanza_class()(pkg)
    if packaged is not None and packaged.name == "spacy":
        from argostranslate.sbd import SpacySentencizerSmall

        return SpacySentencizerSmall(pkg)  # loads the packaged spaCy model from disk
    return RuleSentenceSplitter(pkg)
