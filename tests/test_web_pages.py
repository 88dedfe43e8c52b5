"""The web pages' server side, without a browser: language negotiation, the localized chat page (every fixed
string from the catalogue), static files, security headers, and the package data that a non-editable install
needs. The pages' behaviour in a real browser is tests/test_web_browser.py."""

from __future__ import annotations

import fnmatch
import re
import string
import tomllib
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from migrant_desk.api import create_app
from migrant_desk.config import PROJECT_ROOT
from migrant_desk.languages import SUPPORTED_LANGUAGES
from migrant_desk.messages import catalogue
from migrant_desk.web.routes import CHAT_KEYS, chat_strings, negotiate_language

WEB = PROJECT_ROOT / "migrant_desk" / "web"


@pytest.fixture(scope="module")
def client(runtime):
    with TestClient(create_app(runtime=runtime)) as c:
        yield c


@pytest.mark.parametrize("header,expected", [
    ("vi-VN,vi;q=0.9,en-US;q=0.8,en;q=0.7", "vi"),
    ("en;q=0.5, th;q=0.9", "th"),
    ("fil-PH", "tl"),
    ("zh-Hant-TW,zh;q=0.9", "zh"),
    ("fr-FR,de;q=0.9", "ko"),  # none supported: the default
    ("*", "ko"),
    ("", "ko"),
    ("my;q=0, si;q=0.2", "si"),  # q=0 means "not this one"
    ("km;q=abc, mn;q=0.3", "mn"),  # an unreadable q-value counts as 0
])
def test_negotiates_the_page_language_from_accept_language(header, expected):
    assert negotiate_language(header, "ko") == expected


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_catalogue_message_exists_in_all_languages_with_the_same_placeholders():
    for key, variants in catalogue().items():
        assert set(variants) == set(SUPPORTED_LANGUAGES), key
        expected = _placeholders(variants["en"])
        for lang, text in variants.items():
            assert text.strip(), (key, lang)
            assert _placeholders(text) == expected, (key, lang)


def test_the_chat_page_uses_only_catalogue_keys_and_every_chat_key_is_used():
    template = (WEB / "templates" / "chat.html").read_text(encoding="utf-8")
    script = (WEB / "static" / "chat.js").read_text(encoding="utf-8")
    used = set(re.findall(r'data-msg(?:-[a-z-]+)?="(\w+)"', template)) | set(re.findall(r"\bt\.(\w+)", template))
    used |= set(re.findall(r'\bt\("(\w+)"', script))
    assert used <= set(CHAT_KEYS), used - set(CHAT_KEYS)
    for key in CHAT_KEYS:
        assert key in catalogue(), key
        assert f'"{key}"' in template + script or f"t.{key}" in template, f"{key} is listed but never shown"


class _VisibleText(HTMLParser):
    """Text a reader sees in <body> (not scripts), plus placeholder and aria-label attributes."""

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0
        self._in_body = False

    def handle_starttag(self, tag, attrs):
        if tag == "body":
            self._in_body = True
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("placeholder", "aria-label", "title") and value and self._in_body:
                self.texts.append(value.strip())

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if self._in_body and not self._skip and data.strip():
            self.texts.append(data.strip())


@pytest.mark.parametrize("lang", ["vi", "km", "en"])
def test_every_fixed_string_on_the_chat_page_comes_from_the_catalogue(client, lang):
    r = client.get("/", headers={"Accept-Language": lang})
    assert r.status_code == 200 and f'<html lang="{lang}"' in r.text
    parser = _VisibleText()
    parser.feed(r.text)
    allowed = set(chat_strings(lang).values()) | set(SUPPORTED_LANGUAGES.values())  # languages by their own names
    assert parser.texts and set(parser.texts) <= allowed, set(parser.texts) - allowed


def test_lang_in_the_query_wins_and_an_unknown_one_is_ignored(client):
    r = client.get("/?lang=km", headers={"Accept-Language": "vi"})
    assert '<html lang="km"' in r.text and '<option value="km" lang="km" selected>' in r.text
    r = client.get("/?lang=xx", headers={"Accept-Language": "vi"})
    assert '<html lang="vi"' in r.text and " selected>" not in r.text


def test_strings_endpoint_serves_one_language(client):
    r = client.get("/web/strings/th")
    assert r.status_code == 200 and r.json() == chat_strings("th")
    assert set(r.json()) == set(CHAT_KEYS) | {f"lang_name.{code}" for code in SUPPORTED_LANGUAGES}
    assert r.json()["lang_name.en"] == "อังกฤษ"  # other languages named in Thai, for notices and labels
    r = client.get("/web/strings/xx")
    assert r.status_code == 404 and r.json()["code"] == "unknown_language"


@pytest.mark.parametrize("path", ["/", "/console", "/editor"])
def test_pages_send_a_content_security_policy_and_their_assets_exist(client, path):
    r = client.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    policy = r.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "<script>" not in r.text  # no inline script: the policy would block it
    assets = re.findall(r'(?:src|href)="(/web/static/[^"]+)"', r.text)
    assert len(assets) >= 2
    for url in assets:
        assert client.get(url).status_code == 200, url


def test_static_files_have_types_etags_and_no_way_out_of_their_folder(client):
    r = client.get("/web/static/chat.js")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    again = client.get("/web/static/chat.js", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    for bad in ("/web/static/..%2Froutes.py", "/web/static/routes.py", "/web/static/missing.js",
                "/web/static/CHAT.JS"):
        r = client.get(bad)
        assert r.status_code == 404, bad
        assert r.json()["code"] == "not_found", bad


def test_staff_pages_are_english_and_not_indexed(client):
    for path, title in (("/console", "Counselor console"), ("/editor", "Knowledge-base editor")):
        r = client.get(path)
        assert '<html lang="en"' in r.text and f"<title>{title}" in r.text
        assert '<meta name="robots" content="noindex">' in r.text


def test_package_data_covers_every_template_and_static_file():
    """A non-editable install (pip install .) ships only what [tool.setuptools.package-data] lists."""
    config = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    globs = config["tool"]["setuptools"]["package-data"]["migrant_desk"]
    files = [p for folder in ("templates", "static") for p in (WEB / folder).iterdir() if p.is_file()]
    assert files
    for path in files:
        relative = path.relative_to(PROJECT_ROOT / "migrant_desk").as_posix()
        assert any(fnmatch.fnmatch(relative, g) for g in globs), f"{relative} is not in package-data"
    assert "playwright" in " ".join(config["project"]["optional-dependencies"]["test"])



def test_static_files_are_gzipped_and_cached_a_year_under_their_hashed_url(client):
    """Issue 13: the hashed URL is immutable; the body is compressed when the browser accepts gzip."""
    import gzip

    from migrant_desk.web.routes import asset_url, static_file

    url = asset_url("chat.js")
    r = client.get(url, headers={"accept-encoding": "gzip"})
    assert r.status_code == 200 and r.headers["content-encoding"] == "gzip"
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert r.content == static_file("chat.js").body  # httpx decodes gzip
    assert len(static_file("chat.js").gzipped) < len(static_file("chat.js").body) / 2
    assert gzip.decompress(static_file("chat.js").gzipped) == static_file("chat.js").body
    plain = client.get("/web/static/chat.js", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.headers["cache-control"] == "no-cache"
