"""What the ticket code does around translation: which language each side's text is sent to, what is stored
(original, translation, verdict), and what each side is shown. The translator here is a stand-in behind the
MessageTranslator protocol (these tests are about the ticket code, not about translating); the real one is
migrant_desk.translation's, tested there."""

import pytest

from migrant_desk.messages import language_name, message
from migrant_desk.tickets.translate import (
    MessageTranslator,
    NoTranslator,
    TranslationOutcome,
    message_translator,
)
from migrant_desk.tickets.views import counselor_message_out, migrant_message_out
from tests.ticket_helpers import add_user, make_service, open_ticket


class MarkingTranslator:
    """Marks text with its target language; 'refuse' gets a gate rejection; 'crash' raises."""

    def __init__(self):
        self.calls = []

    def translate(self, text, source_lang, target_lang):
        self.calls.append((source_lang, target_lang))
        if "crash" in text:
            raise RuntimeError("model file is corrupt")
        if "refuse" in text:
            return TranslationOutcome(status="rejected", target_lang=target_lang, text="refuse refuse refuse",
                                      score=0.12, reason="repetition")
        return TranslationOutcome(status="machine", target_lang=target_lang, text=f"<{target_lang}> {text}",
                                  score=0.91)


@pytest.fixture
def desk(database_url):
    translator = MarkingTranslator()
    service = make_service(database_url, translator=translator, staff_lang="ko")
    counselor, _ = add_user(service, "jisoo", languages=("ko",))
    ticket, _ = open_ticket(service, "c1", lang="vi",
                            transcript=[{"role": "migrant", "text": "Tôi bị nợ lương."}])
    service.claim_next(counselor)
    return service, counselor, ticket["id"], translator


def migrant_view(service, ticket_id):
    return [migrant_message_out(r, "vi") for r in service.tickets.messages(ticket_id, include_internal=False)]


def test_the_stand_in_satisfies_the_protocol():
    assert isinstance(MarkingTranslator(), MessageTranslator) and isinstance(NoTranslator(), MessageTranslator)


def test_counselor_reply_is_shown_translated_with_the_original_and_a_notice(desk):
    service, jisoo, tid, translator = desk
    service.add_counselor_message(tid, jisoo, "언제부터 월급을 못 받으셨어요?")  # jisoo writes Korean by default
    assert translator.calls[-1] == ("ko", "vi")
    shown = migrant_view(service, tid)[-1]
    assert shown.text == "<vi> 언제부터 월급을 못 받으셨어요?" and shown.lang == "vi" and shown.translated
    assert shown.original_text == "언제부터 월급을 못 받으셨어요?" and shown.original_lang == "ko"
    assert shown.notice == message("machine_translated", "vi", source_language=language_name("ko", "vi"))


def test_migrant_words_reach_the_counselor_side_by_side(desk):
    service, jisoo, tid, translator = desk
    service.add_migrant_message(tid, "Từ tháng 9.")
    names = service.tickets.user_names()
    rows = [counselor_message_out(r, names) for r in service.tickets.messages(tid)]
    assert [(m.origin, m.text, m.translation.text, m.translation.lang) for m in rows] == [
        ("transcript", "Tôi bị nợ lương.", "<ko> Tôi bị nợ lương.", "ko"),
        ("ticket", "Từ tháng 9.", "<ko> Từ tháng 9.", "ko")]
    assert migrant_view(service, tid)[-1].text == "Từ tháng 9."  # the migrant sees their own words


def test_a_rejected_translation_is_not_shown_to_the_migrant(desk):
    service, jisoo, tid, _ = desk
    service.add_counselor_message(tid, jisoo, "이 문장은 refuse 됩니다.")
    stored = service.tickets.messages(tid)[-1]
    assert stored["translation_status"] == "rejected" and stored["translation_score"] == pytest.approx(0.12)
    shown = migrant_view(service, tid)[-1]
    assert shown.text == "이 문장은 refuse 됩니다." and not shown.translated
    assert shown.notice == message("translation_unreliable", "vi", answer_language=language_name("ko", "vi"))


def test_a_failing_translator_loses_no_message(desk):
    service, jisoo, tid, _ = desk
    service.add_counselor_message(tid, jisoo, "crash 테스트")
    stored = service.tickets.messages(tid)[-1]
    assert stored["body"] == "crash 테스트" and stored["translation_status"] == "unavailable"
    assert "RuntimeError" in stored["translation_reason"]
    assert migrant_view(service, tid)[-1].notice == message(
        "no_translation_available", "vi", language=language_name("vi"), answer_language=language_name("ko", "vi"))


def test_same_language_needs_no_translation(desk):
    service, jisoo, tid, translator = desk
    calls = len(translator.calls)
    service.add_counselor_message(tid, jisoo, "Chào bạn.", lang="vi")
    assert len(translator.calls) == calls
    shown = migrant_view(service, tid)[-1]
    assert shown.text == "Chào bạn." and shown.notice is None


def test_notes_are_neither_translated_nor_shown_to_the_migrant(desk):
    service, jisoo, tid, translator = desk
    calls = len(translator.calls)
    service.add_counselor_message(tid, jisoo, "체불임금 진정 안내 필요", internal=True)
    assert len(translator.calls) == calls
    assert all(m.text != "체불임금 진정 안내 필요" for m in migrant_view(service, tid))
    assert service.tickets.messages(tid)[-1]["internal"] == 1


def test_a_holder_who_does_not_read_the_working_language_gets_their_own(database_url):
    translator = MarkingTranslator()
    service = make_service(database_url, translator=translator, staff_lang="ko")
    english_only, _ = add_user(service, "sam", languages=("en",))
    open_ticket(service, "c1", lang="si")  # nobody speaks Sinhala: it goes to anyone
    ticket = service.claim_next(english_only)
    service.add_migrant_message(ticket["id"], "මගේ වැටුප ලැබුණේ නැහැ.")
    assert translator.calls[-1] == ("si", "en")


def test_without_a_translation_backend_messages_say_unavailable(database_url):
    translator = message_translator(None)  # no machine translation in this runtime
    outcome = translator.translate("Xin chào", "vi", "ko")
    assert outcome.status == "unavailable" and outcome.text is None and outcome.reason


def test_a_write_from_another_thread_wakes_a_listener():
    import asyncio
    import threading

    from migrant_desk.tickets.notify import Notifier

    notifier = Notifier()

    async def listen():
        with notifier.listen(7) as written:
            assert notifier.listeners(7) == 1
            threading.Thread(target=notifier.notify, args=(7,)).start()
            await asyncio.wait_for(written.wait(), timeout=30)
        return notifier.listeners(7)

    assert asyncio.run(listen()) == 0  # woken, and unregistered afterwards
