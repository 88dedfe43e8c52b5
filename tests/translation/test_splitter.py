"""Sentence splitting without downloads, and which splitter each kind of package gets."""

import json

import pytest

from migrant_desk.translation.sentences import MAX_SENTENCE_CHARS, split_sentences


@pytest.mark.parametrize("text,expected", [
    ("Call 1345 on weekdays from 9 a.m. to 10 p.m. It is free! Really? Yes.",
     ["Call 1345 on weekdays from 9 a.m. to 10 p.m.", "It is free!", "Really?", "Yes."]),
    ("Ask Mr. Kim at the desk. Bring your ARC, e.g. the card, etc. and wait.",
     ["Ask Mr. Kim at the desk.", "Bring your ARC, e.g. the card, etc. and wait."]),
    ("Visit www.hikorea.go.kr. The fee is 3.5 dollars.", ["Visit www.hikorea.go.kr.", "The fee is 3.5 dollars."]),
    ("이사한 후 14일 이내에 신고해야 합니다. 통역은 무료입니다.", ["이사한 후 14일 이내에 신고해야 합니다.", "통역은 무료입니다."]),
    ("搬家后必须申报。口译服务是免费的！好吗？", ["搬家后必须申报。", "口译服务是免费的！", "好吗？"]),
    ("引っ越し後に届け出ます。「無料」です。", ["引っ越し後に届け出ます。", "「無料」です。"]),
    ("दोभाषे सेवा निःशुल्क छ। फोन गर्नुहोस्।", ["दोभाषे सेवा निःशुल्क छ।", "फोन गर्नुहोस्।"]),
    ("សេវាឥតគិតថ្លៃ។ ទូរសព្ទមក។", ["សេវាឥតគិតថ្លៃ។", "ទូរសព្ទមក។"]),
    ("ဖုန်းဆက်ပါ။ အခမဲ့ဖြစ်ပါသည်။", ["ဖုန်းဆက်ပါ။", "အခမဲ့ဖြစ်ပါသည်။"]),
    ('He said "Go." Then he left.', ['He said "Go."', "Then he left."]),
    ("บริการล่ามไม่มีค่าใช้จ่าย โทร 1345", ["บริการล่ามไม่มีค่าใช้จ่าย โทร 1345"]),  # Thai: spaces are not ends
    ("   ", []),
])
def test_split_sentences(text, expected):
    assert split_sentences(text) == expected


def test_long_unpunctuated_text_is_cut_at_spaces_and_nothing_is_lost():
    text = " ".join(["คำ"] * 400)
    parts = split_sentences(text)
    assert len(parts) > 1 and all(len(p) <= MAX_SENTENCE_CHARS for p in parts)
    assert "".join(parts).replace(" ", "") == text.replace(" ", "")


def _package_dir(tmp_path, sbd: str | None):
    root = tmp_path / f"pkg-{sbd}"
    root.mkdir()
    (root / "metadata.json").write_text(json.dumps({"from_code": "en", "to_code": "ko", "type": "translate"}))
    if sbd == "minisbd":
        (root / "minisbd").mkdir()
        (root / "minisbd" / "en.onnx").write_bytes(b"not loaded until first use")
    elif sbd:
        (root / sbd).mkdir()
    return root


def test_package_without_a_splitter_model_gets_the_rule_splitter(tmp_path, no_network):
    from argostranslate.package import Package
    from argostranslate.sbd import ISentenceBoundaryDetectionModel

    from migrant_desk.translation.splitter import RuleSentenceSplitter, splitter_for

    splitter = splitter_for(Package(_package_dir(tmp_path, None)))
    assert isinstance(splitter, RuleSentenceSplitter) and isinstance(splitter, ISentenceBoundaryDetectionModel)
    assert splitter.split_sentences("One. Two.") == ["One.", "Two."]
    assert no_network == []


def test_packaged_splitter_models_are_kept_and_stanza_is_kept_offline(tmp_path, no_network):
    from argostranslate.package import Package
    from argostranslate.sbd import MiniSBDSentencizer, StanzaSentencizer

    from migrant_desk.translation.splitter import splitter_for

    minisbd = splitter_for(Package(_package_dir(tmp_path, "minisbd")))
    assert isinstance(minisbd, MiniSBDSentencizer) and minisbd.lang.endswith("en.onnx")  # the packaged file
    stanza = splitter_for(Package(_package_dir(tmp_path, "stanza")))
    assert isinstance(stanza, StanzaSentencizer)
    # the packaged stanza folder is empty here: it must fall back to the rules, not go online for resources
    assert stanza.split_sentences("One. Two.") == ["One.", "Two."]
    assert no_network == []
