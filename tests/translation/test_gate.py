"""The translation gate: failure detectors, the similarity threshold with the real embedding model, and the
bundled calibration being what the labelled set gives."""

from pathlib import Path

import pytest

from migrant_desk.translation import gate as g
from migrant_desk.translation.calibrate import choose_threshold, fit, labelled_pairs, read_parallel, truncate
from migrant_desk.translation.gate import GateInput, TranslationGate, load_gate_calibration
from tests.conftest import DATA

SOURCE = "You must report your new address within 14 days after moving."
GOOD_VI = "Bạn phải khai báo địa chỉ mới trong vòng 14 ngày sau khi chuyển nhà."


@pytest.fixture(scope="module")
def gate(embedder) -> TranslationGate:
    return TranslationGate(embedder)


def test_detectors_on_known_failure_modes():
    assert g.failure_reasons(SOURCE, GOOD_VI, "vi") == []
    assert g.failure_reasons(SOURCE, "  ...  ", "vi") == ["empty"]
    assert g.failure_reasons(SOURCE, SOURCE.upper(), "vi") == ["identical_to_source"]
    assert "wrong_script" in g.failure_reasons(SOURCE, "You must report your address soon.", "th")
    loop = "Bạn phải khai báo " + "tốiờ " * 12
    assert "repetition" in g.failure_reasons(SOURCE, loop, "vi")
    assert "too_long" in g.failure_reasons("Hi.", "Xin chào, " + "rất vui được gặp bạn hôm nay " * 10, "vi")
    assert g.failure_reasons("Call 1345 or 02-2110-3456.", "Hãy gọi 1345 hoặc 02-2110-3456.", "vi") == []
    assert g.failure_reasons("Call 1345 or 02-2110-3456.", "Hãy gọi 1354 hoặc 02-2110-3456.", "vi") == \
        ["numbers_changed"]


def test_detectors_do_not_fire_on_ordinary_differences():
    # native digits, thousands separators and URLs are fine
    assert not g.numbers_changed("Call 1345 today.", "आज १३४५ मा फोन गर्नुहोस्।")
    assert not g.numbers_changed("It costs 9,860 won.", "Giá là 9.860 won.")
    assert not g.wrong_script("ดูที่ www.hikorea.go.kr หรือโทร 1345", "th")
    assert not g.has_loop("ㅋㅋㅋㅋ 재밌어요", "ㅋㅋㅋㅋ funny")  # the source repeats too
    assert not g.is_identical("1345", "1345")  # numbers only: nothing to translate
    assert g.source_numbers("Tel. 1577-1000, 2026") == ["15771000", "2026"]


def test_good_translation_passes_drift_and_garbage_fail(gate):
    good = gate.check(SOURCE, GOOD_VI, "vi")
    assert good.passed and good.reasons == [] and good.score >= gate.calibration.threshold
    drift = gate.check(SOURCE, "Bạn có thể mở tài khoản ngân hàng bằng thẻ cư trú.", "vi")
    assert not drift.passed and drift.reasons == ["low_similarity"] and drift.score < good.score
    assert gate.check(SOURCE, SOURCE, "vi").reasons[0] == "identical_to_source"
    empty = gate.check(SOURCE, "", "vi")
    assert empty.reasons == ["empty"] and empty.score is None


def test_the_weakest_sentence_decides(gate):
    second_src = "Bring your passport, a photo and the application form."
    segments_ok = [(SOURCE, GOOD_VI), (second_src, "Hãy mang theo hộ chiếu, một tấm ảnh và đơn đăng ký.")]
    segments_bad = [(SOURCE, GOOD_VI), (second_src, "Thời tiết hôm nay rất đẹp.")]
    ok = gate.check_many([GateInput(f"{SOURCE} {second_src}", " ".join(o for _, o in segments_ok), "vi",
                                    segments_ok)])[0]
    bad = gate.check_many([GateInput(f"{SOURCE} {second_src}", " ".join(o for _, o in segments_bad), "vi",
                                     segments_bad)])[0]
    assert ok.passed
    assert not bad.passed and bad.reasons == ["low_similarity"]


def test_threshold_choice_is_the_middle_of_the_best_interval():
    assert choose_threshold([0.9, 0.8, 0.7, 0.6], [True, True, False, False]) == pytest.approx(0.75)
    # 0.75 and 0.875 tie (balanced accuracy 0.75): of two, the higher one, i.e. the stricter gate
    assert choose_threshold([0.9, 0.85, 0.8, 0.7], [True, False, True, False]) == pytest.approx(0.875)


def test_labelled_pairs_are_derived_as_documented():
    rows = read_parallel(DATA / "translation_gate.jsonl")
    pairs = labelled_pairs(rows)
    good = [p for p in pairs if p.category == "good"]
    assert len(good) == sum(len(r["translations"]) for r in rows)
    drift = next(p for p in pairs if p.category == "drift" and p.group == "e01" and p.target_lang == "vi")
    e02 = next(r for r in rows if r["id"] == "e02")
    assert drift.output == e02["translations"]["vi"]
    assert truncate("Bạn phải khai báo địa chỉ mới trong vòng", "vi") == "Bạn phải khai"
    assert {p.category for p in pairs} == {"good", "drift", "truncated", "unrelated", "negated"}


def test_bundled_calibration_is_reproducible(embedder):
    """The committed threshold is what `migrant-desk translate calibrate-gate` computes from the labelled set."""
    bundled = load_gate_calibration()
    calibration, report = fit(TranslationGate(embedder), DATA / "translation_gate.jsonl", embedder.model_id)
    assert calibration.kind == bundled.kind == "query"
    assert calibration.threshold == pytest.approx(bundled.threshold, abs=1e-4)
    assert calibration.per_category == bundled.per_category
    assert report["chosen"]["full_gate"]["unrelated"] == 1.0
    assert bundled.good_pass_rate > 0.8 and bundled.bad_reject_rate > 0.85  # what docs/translation.md reports


def test_calibration_file_errors_are_clear(tmp_path):
    bad = tmp_path / "x.jsonl"
    bad.write_text('{"id": "a"}\n')
    with pytest.raises(ValueError, match=r"x.jsonl:1: needs id, lang, text and translations"):
        read_parallel(bad)
    assert load_gate_calibration(Path(tmp_path / "missing.json")).tuned_on == "uncalibrated default"
