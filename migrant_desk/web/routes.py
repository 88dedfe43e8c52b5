"""Routes of the web pages: the four HTML pages (chat, console, editor, reports), the chat page's strings per language, and the static files.

Everything a migrant reads on the chat page comes from locales/messages.yaml (`CHAT_KEYS`); the page is first
rendered in the language the browser asks for (Accept-Language) or the one in `?lang=`, and fetches
/web/strings/{lang} when the migrant picks another language or the service detects one.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from ..deps import DeskDep, SettingsDep
from ..errors import DomainError, ErrorCode
from ..http_errors import error_response
from ..languages import SUPPORTED_LANGUAGES
from ..messages import catalogue, language_name

router = APIRouter(include_in_schema=False)

# Every catalogue key the chat page itself shows (tests/test_web_pages.py checks that the page and its script use
# no other key). Sentences about a case (handoff_created, counselor_has_case, ticket_resolved...) and notices on
# answers come already localized from the API.
CHAT_KEYS: tuple[str, ...] = (
    "chat_title", "chat_intro", "language_label", "language_auto", "emergency_notice", "conversation_label",
    "ask_placeholder", "write_to_counselor", "send", "searching", "you_said", "desk_said", "counselor_said",
    "source_label", "contact_label", "call_label", "website_label", "updated_on", "maybe_you_meant",
    "not_confident", "machine_translated", "show_original", "hide_original", "talk_to_counselor",
    "consent_contact", "consent_required", "handoff_send", "cancel", "counselor_replied", "new_conversation",
    "error_empty_text", "error_text_too_long", "error_unknown_language", "error_server", "error_offline",
    "answer_yes", "answer_no", "feedback_yes", "feedback_no", "office_label",  # medium band (framing and question come from /v1/ask)
)
# Browser language tags whose primary subtag is not our ISO 639-1 code.
LANGUAGE_ALIASES = {"fil": "tl", "in": "id", "zh-hans": "zh", "zh-hant": "zh"}
STATIC_NAME = re.compile(r"^[a-z0-9-]+\.(css|js|svg)$")
CONTENT_TYPES = {"css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8", "svg": "image/svg+xml"}
# The pages load scripts and styles only from this server and call only this server's API.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@lru_cache(maxsize=1)
def _templates() -> Environment:
    return Environment(loader=PackageLoader("migrant_desk", "web/templates"),
                       autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


@dataclass(frozen=True)
class StaticFile:
    body: bytes
    gzipped: bytes  # compressed once, at first use
    etag: str
    content_type: str

    @property
    def version(self) -> str:
        return self.etag.strip('"')


@lru_cache(maxsize=64)
def static_file(name: str) -> StaticFile | None:
    """A file from web/static, or None; names are checked against a pattern, so no path leaves the folder."""
    if not STATIC_NAME.match(name):
        return None
    path = resources.files("migrant_desk") / "web" / "static" / name
    if not path.is_file():
        return None
    body = path.read_bytes()
    return StaticFile(body, gzip.compress(body, compresslevel=9, mtime=0),
                      '"' + hashlib.sha256(body).hexdigest()[:16] + '"', CONTENT_TYPES[name.rsplit(".", 1)[1]])


def asset_url(name: str) -> str:
    """URL of a static file with its content hash, so a new release is never served from a stale cache."""
    found = static_file(name)
    if found is None:
        raise FileNotFoundError(f"migrant_desk/web/static/{name} is missing from the package")
    return f"/web/static/{name}?v={found.version}"


def negotiate_language(accept_language: str | None, default: str) -> str:
    """The first supported language in an Accept-Language header, by its q-values; `default` when none is."""
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        if not tag or tag == "*":
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        code = LANGUAGE_ALIASES.get(tag) or LANGUAGE_ALIASES.get(tag.split("-")[0]) or tag.split("-")[0]
        if code in SUPPORTED_LANGUAGES and quality > 0:
            choices.append((-quality, position, code))
    return min(choices)[2] if choices else default


def chat_strings(lang: str) -> dict[str, str]:
    """The chat page's fixed strings in one language, {placeholders} left for the page to fill."""
    messages = catalogue()
    strings = {key: messages[key].get(lang) or messages[key]["en"] for key in CHAT_KEYS}
    # Other languages named in this one ("អង់គ្លេស", not "English", inside a Khmer page): notices, labels
    strings.update({f"lang_name.{code}": language_name(code, lang) for code in SUPPORTED_LANGUAGES})
    return strings


def _json_for_script(value: object) -> str:
    """JSON safe inside <script type="application/json">: no '<' can close the element."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c")


def _page(template: str, **values) -> HTMLResponse:
    html = _templates().get_template(template).render(asset_url=asset_url, **values)
    return HTMLResponse(html, headers=SECURITY_HEADERS)


@router.get("/", response_class=HTMLResponse)
def chat_page(request: Request, settings: SettingsDep, desk: DeskDep, lang: str | None = None) -> HTMLResponse:
    default = settings.default_lang
    chosen = lang if lang in SUPPORTED_LANGUAGES else None
    ui_lang = chosen or negotiate_language(request.headers.get("accept-language"), default)
    strings = chat_strings(ui_lang)
    config = {"lang": ui_lang, "chosen": chosen, "strings": strings, "max_chars": settings.max_text_chars,
              "phones": desk.phones}
    return _page("chat.html", lang=ui_lang, t=strings, languages=SUPPORTED_LANGUAGES, chosen=chosen,
                 config=_json_for_script(config))


@router.get("/web/strings/{lang}")
def strings_for(lang: str) -> JSONResponse:
    if lang not in SUPPORTED_LANGUAGES:
        # 404 here, not the API's 422: the language is part of the path of a static-like resource
        return error_response(404, ErrorCode.UNKNOWN_LANGUAGE, f"Unknown language code '{lang}'.")
    return JSONResponse(chat_strings(lang), headers={"Cache-Control": "no-cache"})


@router.get("/console", response_class=HTMLResponse)
def console_page() -> HTMLResponse:
    return _page("console.html", languages=SUPPORTED_LANGUAGES,
                 config=_json_for_script({"languages": SUPPORTED_LANGUAGES}))


@router.get("/editor", response_class=HTMLResponse)
def editor_page() -> HTMLResponse:
    return _page("editor.html", languages=SUPPORTED_LANGUAGES,
                 config=_json_for_script({"languages": SUPPORTED_LANGUAGES}))


def report_strings(lang: str) -> dict[str, str]:
    """The reports page's labels in one language (locales/reports.yaml), English where one is missing."""
    messages = catalogue()
    return {key: variants.get(lang) or variants["en"] for key, variants in messages.items()
            if key.startswith("report_")}


@router.get("/reports", response_class=HTMLResponse)
def reports_page(request: Request, lang: str | None = None) -> HTMLResponse:
    """Charts and tables for centre managers (editor and admin tokens; the data comes from /v1/reports)."""
    ui_lang = lang if lang in SUPPORTED_LANGUAGES else negotiate_language(request.headers.get("accept-language"), "en")
    strings = report_strings(ui_lang)
    return _page("reports.html", languages=SUPPORTED_LANGUAGES, t=strings, page_lang=ui_lang,
                 config=_json_for_script({"lang": ui_lang, "strings": strings}))


@router.get("/web/static/{name}")
def static(name: str, request: Request) -> Response:
    found = static_file(name)
    if found is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"No static file '{name}'.")
    # The pages link each file with its content hash (?v=...): that URL never changes meaning, so browsers keep
    # it a year without asking; any other URL of the file is revalidated.
    hashed = request.query_params.get("v") == found.version
    headers = {"ETag": found.etag, "X-Content-Type-Options": "nosniff", "Vary": "Accept-Encoding",
               "Cache-Control": "public, max-age=31536000, immutable" if hashed else "no-cache"}
    if request.headers.get("if-none-match") == found.etag:
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        return Response(found.gzipped, media_type=found.content_type, headers={**headers, "Content-Encoding": "gzip"})
    return Response(found.body, media_type=found.content_type, headers=headers)
