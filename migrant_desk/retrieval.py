"""Dense and lexical retrieval fused per query language, and the features the confidence gate reads.

Dense: the language-centred fusion of every variant's vectors (index.py). Lexical: BM25 with a script-aware
tokenizer (lexical.py). Each channel is put in standard units over the candidate entries of this query, then
    fused = dense_z + weight[query language] * coverage(query language) * lexical_z
where the weight is chosen per language on the tune split (`migrant-desk calibrate`; zero where the lexical
channel does not help) and coverage is the share of entries with a variant in the query's language: lexical
evidence in a language the knowledge base is not written in is mostly noise (measured: English questions on a
Korean-only knowledge base lost MRR 0.69 -> 0.57 without this factor).

The gate's features are all relative to this query and this knowledge base, so that they carry over to other
knowledge bases and languages (calibrate.py reports the check): how far the top entry stands out (top_z,
margin), how its best cosine compares with what is usual for that language pair (pair_cos), how much of the
question the lexical channel matched (lex_per_token), and whether the match is in the asker's language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .index import EntryIndex
from .knowledge_base import Entry
from .lexical import LexicalIndex, documents, tokenize

DENSE_CANDIDATES = 100  # entries taken from the dense index per query; lexical adds its own matches


@dataclass(frozen=True)
class Candidate:
    entry_id: str
    score: float  # fused, in standard units over this query's candidates
    dense: float  # dense channel, standard units
    lexical: float  # lexical channel, standard units
    best_cosine: float
    matched_lang: str


@dataclass(frozen=True)
class Retrieved:
    lang: str  # the query language the fusion weight and features used
    candidates: list[Candidate]  # best first
    features: dict[str, float] = field(default_factory=dict)


# Before calibration: the usual best cosine of a right answer, same language and across languages (e5-small).
DEFAULT_SAME_LANG_COSINE = 0.9
DEFAULT_CROSS_LANG_COSINE = 0.85


@dataclass(frozen=True)
class FusionParams:
    lexical_weights: Mapping[str, float]
    pair_cosine: Mapping[str, float] = field(default_factory=dict)  # "q>m" -> usual best cosine of a right top
    same_lang_cosine: float = DEFAULT_SAME_LANG_COSINE                # entry for that language pair
    cross_lang_cosine: float = DEFAULT_CROSS_LANG_COSINE


class Retriever:
    """One knowledge base's dense index and lexical index, built together and swapped together."""

    def __init__(self, entries: Sequence[Entry], index: EntryIndex, previous: Retriever | None = None):
        """`previous`: the retriever this one replaces (a publish); its lexical work on unchanged texts is reused."""
        self.index = index
        self.lexical = LexicalIndex(documents(entries), previous.lexical if previous is not None else None)
        self._langs_of = {e.id: frozenset(e.translations) for e in entries}
        counts: dict[str, int] = {}
        for langs in self._langs_of.values():
            for lang in langs:
                counts[lang] = counts.get(lang, 0) + 1
        self._coverage = {lang: n / max(len(entries), 1) for lang, n in counts.items()}
        self._lex_pos = {e: i for i, e in enumerate(self.lexical.entry_ids)}

    def coverage(self, lang: str) -> float:
        return self._coverage.get(lang, 0.0)

    def retrieve(self, vector: np.ndarray, text: str, lang: str, params: FusionParams) -> Retrieved:
        hits = self.index.search(vector, k=DENSE_CANDIDATES)
        tokens = tokenize(text)
        lex_all = self.lexical.scores(text, tokens)
        dense = {h.entry_id: h for h in hits}
        ids = list(dense)
        for i in np.argsort(-lex_all)[:DENSE_CANDIDATES]:
            eid = self.lexical.entry_ids[i]
            if lex_all[i] > 0 and eid not in dense:
                ids.append(eid)
        if not ids:
            return Retrieved(lang, [])
        floor = min(h.score for h in hits) if hits else 0.0
        d = np.array([dense[e].score if e in dense else floor for e in ids])
        lx = np.array([lex_all[self._lex_pos[e]] for e in ids])
        dz, lz = _standard(d), _standard(lx)
        weight = params.lexical_weights.get(lang, 0.0) * self.coverage(lang)
        fused = dz + weight * lz
        order = np.argsort(-fused, kind="stable")
        candidates = []
        for i in order:
            hit = dense.get(ids[i])
            candidates.append(Candidate(
                entry_id=ids[i], score=float(fused[i]), dense=float(dz[i]), lexical=float(lz[i]),
                best_cosine=hit.best_cosine if hit else float("nan"), matched_lang=hit.matched_lang if hit else lang))
        top = order[0]
        spread = float(fused.std()) + 1e-9
        second = float(fused[order[1]]) if len(order) > 1 else float(fused.mean())
        best = candidates[0]
        usual = params.pair_cosine.get(f"{lang}>{best.matched_lang}",
                                       params.same_lang_cosine if best.matched_lang == lang else params.cross_lang_cosine)
        features = {
            "top_z": (float(fused[top]) - float(fused.mean())) / spread,
            "margin": (float(fused[top]) - second) / spread,
            "pair_cos": (best.best_cosine - usual) if np.isfinite(best.best_cosine) else -0.1,
            "lex_per_token": float(lx[top]) / max(1, len(tokens)),
            "same_lang": float(best.matched_lang == lang),
            "has_variant": float(lang in self._langs_of.get(best.entry_id, ())),
        }
        return Retrieved(lang, candidates, features)


def _standard(x: np.ndarray) -> np.ndarray:
    sd = x.std()
    return (x - x.mean()) / sd if sd > 1e-12 else np.zeros_like(x)
