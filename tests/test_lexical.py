import numpy as np

from migrant_desk.lexical import LexicalDoc, LexicalIndex, fold, romanise, tokenize, words


def test_vietnamese_without_diacritics_gives_the_same_tokens():
    assert tokenize("Đăng ký thẻ người nước ngoài") == tokenize("dang ky the nguoi nuoc ngoai")
    assert fold("tiếng việt") == "tieng viet" and fold("Đà Nẵng") == "Da Nang"


def test_combining_vowel_signs_stay_in_the_word():
    assert words("नमस्ते, साथी!") == ["नमस्ते", "साथी"]  # Devanagari vowel signs are combining marks
    assert fold("नमस्ते") == "नमस्ते"  # only Latin letters lose their marks


def test_unspaced_scripts_become_bigrams_and_korean_keeps_the_word():
    assert tokenize("ค่าจ้าง")[:2] == ["ค่", "่า"]
    toks = tokenize("퇴직금을")
    assert "퇴직금을" in toks and "퇴직" in toks and "직금" in toks


def test_romanised_korean_meets_hangul():
    assert romanise("퇴직금") == "toejikgeum"
    shared = {t for t in tokenize("퇴직금") if t.startswith("r:")} & {t for t in tokenize("toejikgeum")}
    assert len(shared) >= 5


def test_bm25_ranks_the_entry_that_shares_rare_words():
    index = LexicalIndex([
        LexicalDoc("severance", "ko", "퇴직금은 1년 이상 일하면 받을 수 있습니다"),
        LexicalDoc("wage", "ko", "최저임금은 매년 정해집니다"),
        LexicalDoc("arc", "vi", "Đăng ký thẻ người nước ngoài trong 90 ngày"),
    ])
    assert index.entry_ids == ["arc", "severance", "wage"]
    s = index.scores("toejikgeum eonje badayo")
    assert s.argmax() == index.entry_ids.index("severance")
    s = index.scores("lam the nguoi nuoc ngoai o dau")
    assert s.argmax() == index.entry_ids.index("arc") and s[index.entry_ids.index("wage")] == 0
    assert index.scores("zzz qqq").sum() == 0


def test_an_index_built_from_the_previous_one_scores_as_a_fresh_build(bundled_entries):
    """A publish re-tokenizes only changed texts (the rest come from the index it replaces): the scores must be
    those of a fresh build, for changed, removed and new documents alike."""
    from migrant_desk.lexical import documents

    docs = documents(bundled_entries)
    old = LexicalIndex(docs)
    changed = [LexicalDoc(d.entry_id, d.lang, d.text + " toejikgeum 퇴직금 zebra-crossing") if i % 97 == 0 else d
               for i, d in enumerate(docs) if i % 89 != 5]  # some edited, some removed
    changed.append(LexicalDoc("brand-new", "vi", "Đăng ký tạm trú cho người nước ngoài ở Ansan"))
    reused, fresh = LexicalIndex(changed, previous=old), LexicalIndex(changed)
    assert reused.entry_ids == fresh.entry_ids and len(reused._terms_by_text) == len(fresh._terms_by_text)
    for query in ("퇴직금 언제 받아요", "dang ky tam tru o Ansan", "zebra crossing", "visa E-9 연장", "ค่าจ้าง"):
        assert np.allclose(reused.scores(query), fresh.scores(query), rtol=1e-12, atol=1e-12), query
    assert reused.scores("zebra crossing").max() > 0 and fresh.scores("qqq").sum() == 0
