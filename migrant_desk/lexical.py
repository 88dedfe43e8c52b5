"""The lexical channel: BM25 over every language variant, with a tokenizer that knows the scripts we serve.

Why beside dense retrieval: with the same model, BM25 beat dense retrieval on Korean questions and the two
were complementary on Vietnamese typed without diacritics (README, "Evaluation"). The fusion weight is chosen
per query language on the tune split and is zero where the channel does not help (retrieval.py).

One tokenizer serves documents and queries alike, so a query's tokens meet the documents' on equal terms:
- Latin script (Vietnamese, Uzbek, Tagalog, Indonesian, English): lower-cased, diacritics folded ("Đăng ký" and
  "dang ky" are the same tokens), whole words and pairs of adjacent words (a Vietnamese word is often two
  syllables: "địa chỉ", address).
- Hangul: character bigrams of each word plus the word itself (particles and endings glued to a word do not
  hide it); and each Korean word romanised (Revised Romanization, syllable by syllable) into character
  trigrams marked "r:", which a romanised Korean word in any query ("toejikgeum", "oegugin") also yields.
- Scripts written without spaces (Thai, Lao, Khmer, Burmese, Chinese, Japanese): character bigrams.
- Everything else (Cyrillic, Devanagari, Sinhala...): whole words; combining marks stay part of the word.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

K1 = 1.2
B = 0.75

_NO_SPACE_RANGES = ((0x0E00, 0x0EFF), (0x1000, 0x109F), (0x1780, 0x17FF), (0x3040, 0x30FF), (0x3400, 0x4DBF),
                    (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0xFF66, 0xFF9F))
_INITIALS = ["g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h"]
_MEDIALS = ["a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi",
            "yu", "eu", "ui", "i"]
_FINALS = ["", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p", "t", "t",
           "ng", "t", "t", "k", "t", "p", "t"]


_HANGUL = re.compile("[\uac00-\ud7a3]")
_NO_SPACE = re.compile("[" + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _NO_SPACE_RANGES) + "]")
_NOT_LATIN = re.compile("[^\u0000-\u007f\u00c0-\u024f\u1e00-\u1eff]")


def _is_latin(c: str) -> bool:
    return not _NOT_LATIN.match(c)


def romanise(word: str) -> str:
    """Hangul syllables in Revised Romanization, syllable by syllable (no sound-change rules: people type both)."""
    out = []
    for c in word:
        if "\uac00" <= c <= "\ud7a3":
            code = ord(c) - 0xAC00
            out.append(_INITIALS[code // 588] + _MEDIALS[(code % 588) // 28] + _FINALS[code % 28])
        else:
            out.append(c)
    return "".join(out)


def fold(word: str) -> str:
    """Strip diacritics from Latin letters only (đ → d); other scripts' combining marks are letters' vowels."""
    out = []
    for c in unicodedata.normalize("NFD", word):
        if unicodedata.combining(c) and out and _is_latin(out[-1]):
            continue
        out.append(c)
    folded = unicodedata.normalize("NFC", "".join(out))
    return folded.replace("đ", "d").replace("Đ", "D").replace("ð", "d")


def words(text: str) -> list[str]:
    """Runs of letters, marks and digits (str.isalnum drops the combining vowel signs of Thai, Khmer, Hindi...)."""
    out, current = [], []
    for c in unicodedata.normalize("NFKC", text).lower():
        if c.isalnum() or unicodedata.category(c)[0] == "M":
            current.append(c)
        elif current:
            out.append("".join(current))
            current = []
    if current:
        out.append("".join(current))
    return out


def _ngrams(s: str, n: int) -> list[str]:
    return [s[i : i + n] for i in range(len(s) - n + 1)] if len(s) >= n else [s]


def tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    previous_latin: str | None = None
    for word in words(text):
        latin = None if _NOT_LATIN.search(word) else fold(word)
        if latin and previous_latin:  # adjacent words: Vietnamese words are several syllables ("dia chi")
            tokens.append(f"w:{previous_latin}_{latin}")
        previous_latin = latin
        if _HANGUL.search(word):
            tokens.append(word)
            tokens.extend(_ngrams(word, 2))
            tokens.extend("r:" + g for g in _ngrams(romanise(word), 3))
        elif _NO_SPACE.search(word):
            tokens.extend(_ngrams(word, 2))
        elif latin is not None:
            folded = latin
            tokens.append(folded)
            if len(folded) >= 4 and folded.isalpha():  # may be romanised Korean
                tokens.extend("r:" + g for g in _ngrams(folded, 3))
        else:
            tokens.append(word)
    return tokens


@dataclass(frozen=True)
class LexicalDoc:
    entry_id: str
    lang: str
    text: str


# A document's terms as (term ids, counts, token count); kept per text so the next index reuses them.
DocTerms = tuple[np.ndarray, np.ndarray, int]


class LexicalIndex:
    """BM25 over documents (one per entry and language); an entry scores its best document.

    Built from `previous` (the index it replaces), only documents whose text changed are tokenized: tokenizing
    all 2,220 documents of the bundled knowledge base took ~1 s of a one-entry publish, most of it, and a
    replica catching up with another's publish waits for it too. The result is the same as a fresh build:
    the term ids differ, the scores do not (tests/test_lexical.py)."""

    def __init__(self, docs: Sequence[LexicalDoc], previous: LexicalIndex | None = None):
        self.entry_ids = sorted({d.entry_id for d in docs})
        entry_code = {e: i for i, e in enumerate(self.entry_ids)}
        self._doc_entry = np.array([entry_code[d.entry_id] for d in docs], dtype=np.int64)
        reuse = previous is not None and not previous._worn_out()
        vocab: dict[str, int] = dict(previous._vocab) if reuse else {}
        known: dict[str, DocTerms] = previous._terms_by_text if reuse else {}
        self._terms_by_text: dict[str, DocTerms] = {}
        rows, cols, counts = [], [], []
        lengths = np.zeros(len(docs))
        for r, doc in enumerate(docs):
            terms = known.get(doc.text) or self._terms_by_text.get(doc.text) or _terms(doc.text, vocab)
            self._terms_by_text[doc.text] = terms
            ids, tf, lengths[r] = terms
            rows.append(np.full(len(ids), r, dtype=np.int64))
            cols.append(ids)
            counts.append(tf)
        self._vocab = vocab
        n_docs = max(len(docs), 1)
        cols_all = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
        tf_matrix = sparse.csr_matrix(
            (np.concatenate(counts).astype(np.float64) if counts else np.zeros(0),
             (np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64), cols_all)),
            shape=(len(docs), len(vocab)))
        df = np.bincount(cols_all, minlength=len(vocab))
        self._live_terms = int(np.count_nonzero(df))
        self._idf = np.log(1 + (n_docs - df + 0.5) / (df + 0.5))
        norm = K1 * (1 - B + B * lengths / max(lengths.mean(), 1e-9))
        weighted = tf_matrix.copy()
        weighted.data = weighted.data * (K1 + 1) / (weighted.data + np.repeat(norm, np.diff(tf_matrix.indptr)))
        self._weights = (weighted @ sparse.diags(self._idf)).tocsc()  # doc x term, BM25 term weights

    def _worn_out(self) -> bool:
        """Terms of edited-away texts stay in a reused vocabulary (they match no document, so they score
        nothing); once they are a third of it, the next index starts afresh."""
        return len(self._vocab) > 1.5 * self._live_terms + 1000

    def scores(self, text: str, tokens: list[str] | None = None) -> np.ndarray:
        """BM25 of the best document of each entry (order: self.entry_ids); 0 when nothing matches."""
        ids = [self._vocab[t] for t in (tokenize(text) if tokens is None else tokens) if t in self._vocab]
        out = np.zeros(len(self.entry_ids))
        if not ids:
            return out
        term_counts = np.bincount(ids)
        present = np.nonzero(term_counts)[0]
        doc_scores = self._weights[:, present] @ term_counts[present].astype(np.float64)
        np.maximum.at(out, self._doc_entry, np.asarray(doc_scores).ravel())
        return out


def _terms(text: str, vocab: dict[str, int]) -> DocTerms:
    """A document's term ids (added to `vocab` when new) with their counts, and its number of tokens."""
    toks = tokenize(text)
    tf: dict[int, int] = {}
    for t in toks:
        term = vocab.setdefault(t, len(vocab))
        tf[term] = tf.get(term, 0) + 1
    return np.fromiter(tf, dtype=np.int64, count=len(tf)), np.fromiter(tf.values(), dtype=np.int64, count=len(tf)), \
        len(toks)


def documents(entries: Iterable) -> list[LexicalDoc]:
    """One document per entry and language: its question, alternates and answer."""
    return [LexicalDoc(e.id, lang, " ".join([v.question, *v.alternates, v.answer]))
            for e in entries for lang, v in e.translations.items()]
