"""Which office handles my area: offices with the districts they cover, and place names in 15 languages.

Data (sourced and dated, one record per office) lives beside the knowledge base:
    knowledge_base/offices/<kind>.json   offices (immigration, labour, family-centre): id, kind, name, address,
                                         phone, hours, districts, sources
    knowledge_base/offices/regions.json  provinces and districts (시·군·구) with their names per language
A question that names a place ("I live in Ansan", "Ансан", "อันซาน") is matched to a district; the district to
the office that covers it. Names are matched on the tokenizer's folded words, so "Ansan-si", "ansan" and
"Ansan," all match; names in scripts written without spaces (Thai, Khmer, Burmese, Chinese, Japanese) and in
Korean match as substrings ("안산에 살아요"), but not inside a longer name already found ("서구" in "달서구").
A 일반구 (단원구) is a district of its own and also stands for its city (안산시), so an office listed for the city
covers it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from .lexical import words
from .messages import message

OFFICES_DIR = "offices"
# The line an answer's contact gives decides which office the chat shows with it, and the migrant confirms that
# office with the same line: 1345 answers (visa, stay) get the immigration office, 1350 answers (wages, work) the
# labour office, 1577-1366 answers (Danuri) the family centre. Defined here once: service, API and tests use it.
CONFIRM_PHONE = {"immigration": "1345", "labour": "1350", "family-centre": "1577-1366"}
_KIND_BY_PHONE = {phone: kind for kind, phone in CONFIRM_PHONE.items()}
KIND_PATTERN = "^(" + "|".join(CONFIRM_PHONE) + ")$"
_SUBSTRING_SCRIPTS = ("ko", "zh", "ja", "th", "km", "my")
# Languages that put case endings on place names: "в Ансане", "Gimhaeda", "अन्सानमा", "Кимхэд". Their names
# also match at the start of a word followed by at most _MAX_ENDING letters (names of 4 letters or more).
_INFLECTING = ("ru", "uz", "mn", "ne")
_MAX_ENDING = 4
# People write "안산에 살아요", "경기 화성": Korean names also match without their administrative suffix.
_KO_SUFFIXES = ("특별자치시", "특별자치도", "특별시", "광역시", "시", "군", "구", "도")


def _korean_short(name: str) -> str | None:
    for suffix in _KO_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return None


def kind_for_phone(phone: str | None) -> str | None:
    """The kind of office an answer with this contact phone is about, or None (112, 1330...: no office)."""
    return _KIND_BY_PHONE.get(phone) if phone else None


def unverified_note(kind: str, lang: str) -> str:
    """'Please confirm your office with <the kind's line>' in `lang`."""
    return message("office_unverified", lang, phone=CONFIRM_PHONE[kind])


class OfficeSource(BaseModel):
    title: str
    url: HttpUrl


class District(BaseModel):
    model_config = ConfigDict(extra="ignore")
    province: str
    name: str


class Office(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str
    kind: str = Field(pattern=KIND_PATTERN, description="immigration | labour | family-centre")
    name: dict[str, str]
    address: dict[str, str] = Field(default_factory=dict)
    phone: str | None = None
    hours: str | None = None
    districts: list[District] = Field(default_factory=list)
    level: str = "main"  # main | branch | center
    sources: list[OfficeSource] = Field(min_length=1)
    checked: str
    # False until the record is checked against the official jurisdiction table (immigration: 법무부와 그 소속기관
    # 직제 시행규칙 별표 4; labour: 고용노동부와 그 소속기관 직제 시행규칙 별표); answers then ask the migrant to
    # confirm with the kind's line (CONFIRM_PHONE).
    verified: bool = False


class RegionNames(BaseModel):
    model_config = ConfigDict(extra="ignore")
    ko: str
    province: str | None = None  # districts only
    parent: str | None = None  # a 일반구's city (단원구 → 안산시)
    names: dict[str, list[str]] = Field(default_factory=dict)


@dataclass(frozen=True)
class RegionMatch:
    province: str
    district: str | None  # None: only a province was named
    matched: str  # the words of the question that matched
    city: str | None = None  # the district is a 일반구 of this city (단원구 → 안산시)


def offices_folder(kb_path: Path) -> Path:
    """knowledge_base/offices for a knowledge-base directory, or the one beside a .jsonl knowledge base."""
    return Path(kb_path) / OFFICES_DIR if Path(kb_path).is_dir() else Path(kb_path).parent / OFFICES_DIR


def office_files(folder: Path) -> list[Path]:
    """The office files (<kind>.json) in load order; the directory's order decides office_for's first match."""
    return [f for f in sorted(folder.glob("*.json")) if f.name != "regions.json"] if folder.exists() else []


def load_regions(folder: Path) -> tuple[list["RegionNames"], list["RegionNames"]]:
    """(provinces, districts) from the folder's regions.json; none when it is missing."""
    regions = folder / "regions.json"
    raw = json.loads(regions.read_text(encoding="utf-8")) if regions.exists() else {}
    return ([RegionNames.model_validate(p) for p in raw.get("provinces", [])],
            [RegionNames.model_validate(d) for d in raw.get("districts", [])])


def _key(text: str) -> str:
    return " ".join(words(text))


class OfficeDirectory:
    def __init__(self, offices: list[Office], provinces: list[RegionNames], districts: list[RegionNames]):
        self.offices = offices
        self.provinces = provinces
        self.districts = districts

    @classmethod
    def load(cls, kb_path: Path) -> "OfficeDirectory":
        folder = offices_folder(kb_path)
        offices: list[Office] = []
        for file in office_files(folder):
            offices += [Office.model_validate(o) for o in json.loads(file.read_text(encoding="utf-8"))]
        return cls(offices, *load_regions(folder))

    @cached_property
    def _names(self) -> list[tuple[str, str, RegionMatch]]:
        """(name key, how it matches: substring | word | stem, what it means), longest names first so
        "서울 강서구" wins over "강서"."""
        out = []
        for region, is_district in [(p, False) for p in self.provinces] + [(d, True) for d in self.districts]:
            meaning = RegionMatch(province=region.province if is_district else region.ko,
                                  district=region.ko if is_district else None, matched="",
                                  city=region.parent if is_district else None)
            short = _korean_short(region.ko)
            variants = [("ko", region.ko)] + ([("ko", short)] if short else [])
            variants += [(lang, n) for lang, ns in region.names.items() for n in ns]
            for lang, name in variants:
                key = _key(name)
                if len(key) >= 2:
                    how = ("substring" if lang in _SUBSTRING_SCRIPTS
                           else "stem" if lang in _INFLECTING and len(key) >= 4 else "word")
                    out.append((key, how, meaning))
        return sorted(out, key=lambda t: -len(t[0]))

    def find_regions(self, text: str) -> list[RegionMatch]:
        """Every district (or province) named in the text; several when a name is shared (중구, 서구...)."""
        padded = f" {_key(text)} "
        found: dict[tuple[str, str | None], RegionMatch] = {}
        taken: list[tuple[int, int, str]] = []  # where longer names were found: "서구" inside "달서구" is not 서구
        for name, how, meaning in self._names:
            needle = {"substring": name, "word": f" {name} ", "stem": f" {name}"}[how]
            spans, start = [], padded.find(needle)
            while start >= 0:
                first = start if how == "substring" else start + 1
                ending = padded.find(" ", first + len(name)) - (first + len(name))
                if how != "stem" or ending <= _MAX_ENDING:  # "ансане": ансан + е
                    spans.append((first, first + len(name)))
                start = padded.find(needle, start + 1)
            free = [(a, b) for a, b in spans if not any(a >= s and b <= e and n != name for s, e, n in taken)]
            if free:
                taken += [(a, b, name) for a, b in free]
                found.setdefault((meaning.province, meaning.district),
                                 RegionMatch(meaning.province, meaning.district, name, meaning.city))
        # "안산시 단원구", "포항 남구": a 일반구 named with its city says more than the city (for which it stands in
        # office_for) and than the other districts of that name (부산·대구·울산 남구).
        within = [m for m in found.values() if m.city and (m.province, m.city) in found]
        cities = {(m.province, m.city) for m in within}
        shadowed = {m.matched for m in within}
        districts = [m for m in found.values() if m.district and (m.province, m.district) not in cities
                     and (m in within or m.matched not in shadowed)]
        provinces = [m for m in found.values() if m.district is None]
        if not districts:
            return provinces
        named = {m.province for m in provinces}
        narrowed = [m for m in districts if m.province in named]  # "부산 중구": Busan's 중구 only
        if narrowed:
            return narrowed
        # The same words may name a province and a district elsewhere ("Gwangju": 광주광역시 or 광주시 in
        # Gyeonggi): both are candidates, and the caller asks which.
        return districts + [p for p in provinces if any(p.matched == d.matched for d in districts)]

    def office_for(self, region: RegionMatch, kind: str) -> Office | None:
        """The office of `kind` listing the district; for a 일반구, else the one listing its city."""
        names = [region.district] + ([region.city] if region.city else []) if region.district else [None]
        for name in names:
            for office in self.offices:
                if office.kind != kind:
                    continue
                for d in office.districts:
                    if d.province == region.province and (name is None or d.name == name or name.startswith(d.name)):
                        return office
        return None
