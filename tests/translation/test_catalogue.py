"""The message catalogue (locales/messages.yaml) is complete: every key in all 15 languages, with the same
{placeholders} as English, and no language left as an English copy."""

import string

import pytest

from migrant_desk.languages import SUPPORTED_LANGUAGES
from migrant_desk.messages import catalogue, message

# Keys the translation feature shows to migrants (answers.py, and the ticket views for counselors' replies).
TRANSLATION_KEYS = ("machine_translated", "show_original", "no_translation_available", "translation_unreliable",
                    "answer_in_other_language", "message_machine_translated", "message_translation_unreliable")
# Words Filipino borrows from English as they are ("Counselor", "Website").
SAME_AS_ENGLISH_OK = {("counselor_said", "tl"), ("website_label", "tl")}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_has_all_languages():
    missing = {key: sorted(set(SUPPORTED_LANGUAGES) - set(variants)) for key, variants in catalogue().items()
               if set(SUPPORTED_LANGUAGES) - set(variants)}
    assert missing == {}
    extra = {key: sorted(set(variants) - set(SUPPORTED_LANGUAGES)) for key, variants in catalogue().items()
             if set(variants) - set(SUPPORTED_LANGUAGES)}
    assert extra == {}


def test_every_text_is_filled_and_keeps_the_placeholders():
    problems = []
    for key, variants in catalogue().items():
        expected = placeholders(variants["en"])
        for lang, text in variants.items():
            if not isinstance(text, str) or not text.strip():
                problems.append(f"{key}.{lang}: empty")
            elif placeholders(text) != expected:
                problems.append(f"{key}.{lang}: placeholders {sorted(placeholders(text))}, English has "
                                f"{sorted(expected)}")
            elif lang != "en" and text == variants["en"] and (key, lang) not in SAME_AS_ENGLISH_OK \
                    and any(ch.isalpha() for ch in text):
                problems.append(f"{key}.{lang}: identical to English")
    assert problems == []


@pytest.mark.parametrize("key", TRANSLATION_KEYS)
def test_translation_notices_render_in_every_language(key):
    for lang in SUPPORTED_LANGUAGES:
        text = message(key, lang, language="L1", answer_language="L2", source_language="L3")
        assert "{" not in text and text.strip()
