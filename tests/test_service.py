"""The ask path on the bundled knowledge base with the real model and calibration."""

from migrant_desk.messages import language_name, message
from migrant_desk.service import DeskService, pick_variant


def test_vietnamese_question_gets_the_vietnamese_variant(runtime):
    result = runtime.service.ask("Tôi phải làm thẻ người nước ngoài ở đâu?")
    assert result.lang == "vi" and result.answered
    assert result.answer.id == "arc-registration"
    assert result.answer.answer_lang == "vi"
    assert result.answer.answer == runtime.service.entries["arc-registration"].translations["vi"].answer
    assert result.notice is None


def test_missing_variant_falls_back_to_english_and_says_so(runtime):
    """Every bundled entry has Thai, so this service's garbage entry has its Thai variant taken out."""
    full = runtime.service.entries["garbage-separation"]
    entry = full.model_copy(update={"translations": {k: v for k, v in full.translations.items() if k != "th"}})
    entries = [entry if e.id == entry.id else e for e in runtime.service.entries.values()]
    service = DeskService(entries, runtime.service.index, runtime.service.embedder, runtime.service.calibration)
    result = service.ask("ทิ้งขยะอาหารยังไง ต้องซื้อถุงขยะแบบไหน", lang="th")
    assert result.answered and result.answer.id == "garbage-separation"
    assert result.answer.answer_lang == "en" and result.answer.answer == entry.translations["en"].answer
    assert result.notice == message("answer_in_other_language", "th", language=language_name("th"),
                                    answer_language=language_name("en", "th"))


def test_out_of_scope_question_abstains_and_offers_a_counselor(runtime):
    result = runtime.service.ask("홍대 근처 맛있는 삼겹살 집 추천해 주세요")
    assert result.answered is False and result.answer is None
    assert result.offer_counselor is True and result.confidence == "low"
    assert result.message == message("not_confident", "ko")
    assert 1 <= len(result.alternatives) <= 4


def test_pick_variant_order(bundled_entries):
    full = next(e for e in bundled_entries if "vi" in e.translations)
    entry = full.model_copy(update={"translations": {k: v for k, v in full.translations.items() if k != "si"}})
    assert pick_variant(entry, "vi")[0] == "vi"
    assert pick_variant(entry, "si")[0] == "en"
    no_en = entry.model_copy(update={"translations": {k: v for k, v in entry.translations.items() if k != "en"}})
    assert pick_variant(no_en, "si")[0] == "ko"


def test_rank_and_ask_agree(runtime):
    text = "월급을 못 받았어요 어디에 신고해요"
    ranking = runtime.service.rank(text)
    result = runtime.service.ask(text)
    assert result.answered == ranking.decision.answered
    if result.answered:
        assert result.answer.id == ranking.hits[0].entry_id
