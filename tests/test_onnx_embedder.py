"""The default engine: ONNX Runtime must give the sentence-transformers vectors, and serve without torch."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from migrant_desk.config import DEFAULT_MODEL
from migrant_desk.embedding import onnx_embedder
from migrant_desk.embedding.embedder import load_embedder
from migrant_desk.embedding.onnx_embedder import OnnxEmbedder

pytestmark = pytest.mark.slow

# One question and one answer-like passage per supported language.
TEXTS = {
    "ko": ("외국인등록증 어디서 만들어요", "입국한 날부터 90일 이내에 출입국·외국인청에서 외국인등록을 해야 합니다."),
    "en": ("my boss didnt pay me 2 months", "If your employer has not paid your wages, report it to the labour office."),
    "zh": ("工资被拖欠怎么办", "如果雇主没有支付工资，可以向雇佣劳动部举报，也可以拨打1350咨询。"),
    "vi": ("lam the arc o dau", "Nếu ở Hàn Quốc trên 90 ngày, bạn phải đăng ký người nước ngoài trong vòng 90 ngày."),
    "th": ("ค่าจ้างขั้นต่ำเท่าไหร่", "ค่าจ้างขั้นต่ำกำหนดทุกปีโดยกระทรวงการจ้างงานและแรงงาน"),
    "uz": ("vizamni qanday uzaytiraman", "Viza muddati tugashidan oldin immigratsiya idorasiga murojaat qiling."),
    "tl": ("paano mag renew ng visa", "Mag-apply bago mag-expire ang iyong pananatili sa immigration office."),
    "ru": ("как продлить визу", "Подайте заявление до окончания срока пребывания в иммиграционную службу."),
    "id": ("gaji belum dibayar bos", "Jika gaji tidak dibayar, laporkan ke kantor tenaga kerja atau hubungi 1350."),
    "ne": ("तलब नपाएको के गर्ने", "तलब नपाएमा श्रम कार्यालयमा उजुरी दिनुहोस् वा 1350 मा फोन गर्नुहोस्।"),
    "km": ("ប្រាក់ខែមិនទាន់បាន", "ប្រសិនបើនិយោជកមិនបើកប្រាក់ខែ សូមរាយការណ៍ទៅការិយាល័យការងារ។"),
    "mn": ("цалингаа авч чадахгүй байна", "Ажил олгогч цалин өгөхгүй бол хөдөлмөрийн газарт мэдэгдээрэй."),
    "ja": ("在留カードはどこで作りますか", "90日を超えて滞在する場合は、入国から90日以内に外国人登録をしてください。"),
    "my": ("လစာမရသေးဘူး ဘာလုပ်ရမလဲ", "အလုပ်ရှင်က လစာမပေးပါက အလုပ်သမားရုံးသို့ တိုင်ကြားပါ။"),
    "si": ("පඩි ගෙව්වේ නැහැ", "සේවා යෝජකයා වැටුප් නොගෙවන්නේ නම් කම්කරු කාර්යාලයට පැමිණිලි කරන්න."),
}


@pytest.fixture(scope="module")
def engines(cache_dir):
    onnx = load_embedder(DEFAULT_MODEL, cache_dir, "onnx")
    torch_st = load_embedder(DEFAULT_MODEL, cache_dir, "torch")
    assert isinstance(onnx, OnnxEmbedder)
    return onnx, torch_st


@pytest.mark.parametrize("lang", sorted(TEXTS))
def test_onnx_vectors_equal_sentence_transformers(engines, lang):
    onnx, torch_st = engines
    question, passage = TEXTS[lang]
    for text, kind in ((question, "query"), (passage, "passage")):
        cosine = float(onnx.embed([text], kind)[0] @ torch_st.embed([text], kind)[0])
        assert cosine >= 0.9999, (lang, kind, cosine)


def test_length_sorted_batches_keep_input_order(engines, monkeypatch):
    """Texts of very different lengths in one call, split into several batches: each row is its own text."""
    onnx, _ = engines
    monkeypatch.setattr(onnx_embedder, "MAX_BATCH", 3)
    texts = [TEXTS[l][i] * (1 + (n % 4)) for n, (l, i) in enumerate((l, i) for l in sorted(TEXTS) for i in (0, 1))]
    together = onnx.embed(texts, "passage")
    alone = np.stack([onnx.embed([t], "passage")[0] for t in texts])
    assert np.allclose(together, alone, atol=1e-5)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)


def test_long_text_is_truncated_like_sentence_transformers(engines):
    onnx, torch_st = engines
    long_text = " ".join([TEXTS["en"][1]] * 60)  # far beyond 512 tokens
    assert len(onnx.token_ids([long_text], "passage")[0]) == onnx.max_tokens
    assert float(onnx.embed([long_text], "passage")[0] @ torch_st.embed([long_text], "passage")[0]) >= 0.9999


def test_serving_process_does_not_import_torch(tmp_path, cache_dir):
    """Start the service as `serve` does, answer a question over the app, and look at sys.modules."""
    script = textwrap.dedent(f"""
        import sys
        from fastapi.testclient import TestClient
        from migrant_desk.api import create_app
        from migrant_desk.config import Settings
        settings = Settings(cache_dir={str(cache_dir)!r}, index_dir={str(tmp_path / 'idx')!r},
                            db_path={str(tmp_path / 'desk.db')!r}, translation_dir={str(tmp_path / 'tr')!r})
        with TestClient(create_app(settings)) as client:
            r = client.post("/v1/ask", json={{"text": "외국인등록증 어디서 만들어요"}})
            assert r.status_code == 200, r.text
        heavy = sorted(m for m in ("torch", "transformers", "sentence_transformers") if m in sys.modules)
        print("HEAVY=" + ",".join(heavy))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "HEAVY=\n" in done.stdout, done.stdout
