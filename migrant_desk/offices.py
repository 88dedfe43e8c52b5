"""Which office handles my area: offices with the districts they cover, and place names in 15 languages.

Data (sourced and dated, one record per office) lives beside the knowledge base:
    knowledge_base/offices/immigration.json   offices: id, kind, name, address, phone, hours, districts, sources
    knowledge_base/offices/regions.json       provinces and districts (시·군·구) with their names per language
A question that names a place ("I live in Ansan", "Ансан", "อันซาน") is matched to a district; the district to
the office that covers it. Names are matched on the tokenizer's folded words, so "Ansan-si", "ansan" and
"Ansan," all match; names in scripts written without spaces (Thai, Khmer, Burmese, Chinese, Japanese) and in
Korean match as substrings ("안산에 살아요").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from .lexical import words

OFFICES_DIR = "offices"
_SUBSTRING_SCRIPTS = ("ko", "zh", "ja", "th", "km", "my")
# People write "안산에 살아요", "경기 화성": Korean names also match without their administrative suffix.
_KO_SUFFIXES = ("특별자치시", "특별자치도", "특별시", "광역시", "시", "군", "구", "도")


def _korean_short(name: str) -> str | None:
    for suffix in _KO_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return None


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
    kind: str = Field(description="immigration | labour | family-centre")
    name: dict[str, str]
    address: dict[str, str] = Field(default_factory=dict)
    phone: str | None = None
    hours: str | None = None
    districts: list[District] = Field(default_factory=list)
    level: str = "main"  # main | branch | center
    sources: list[OfficeSource] = Field(min_length=1)
    checked: str
    # False until the record is checked against the official jurisdiction table (법무부와 그 소속기관 직제
    # 시행규칙, 별표 4); answers then ask the migrant to confirm with 1345.
    verified: bool = False


class RegionNames(BaseModel):
    model_config = ConfigDict(extra="ignore")
    ko: str
    province: str | None = None  # districts only
    names: dict[str, list[str]] = Field(default_factory=dict)


@dataclass(frozen=True)
class RegionMatch:
    province: str
    district: str | None  # None: only a province was named
    matched: str  # the words of the question that matched


def _key(text: str) -> str:
    return " ".join(words(text))


class OfficeDirectory:
    def __init__(self, offices: list[Office], provinces: list[RegionNames], districts: list[RegionNames]):
        self.offices = offices
        self.provinces = provinces
        self.districts = districts

    @classmethod
    def load(cls, kb_path: Path) -> "OfficeDirectory":
        folder = Path(kb_path) / OFFICES_DIR if Path(kb_path).is_dir() else Path(kb_path).parent / OFFICES_DIR
        offices: list[Office] = []
        for file in sorted(folder.glob("*.json")) if folder.exists() else []:
            if file.name == "regions.json":
                continue
            offices += [Office.model_validate(o) for o in json.loads(file.read_text(encoding="utf-8"))]
        regions = folder / "regions.json"
        raw = json.loads(regions.read_text(encoding="utf-8")) if regions.exists() else {}
        return cls(offices, [RegionNames.model_validate(p) for p in raw.get("provinces", [])],
                   [RegionNames.model_validate(d) for d in raw.get("districts", [])])

    @cached_property
    def _names(self) -> list[tuple[str, bool, RegionMatch]]:
        """(name key, match as substring, what it means), longest names first so "서울 강서구" wins over "강서"."""
        out = []
        for region, is_district in [(p, False) for p in self.provinces] + [(d, True) for d in self.districts]:
            meaning = RegionMatch(province=region.province if is_district else region.ko,
                                  district=region.ko if is_district else None, matched="")
            short = _korean_short(region.ko)
            variants = [("ko", region.ko)] + ([("ko", short)] if short else [])
            variants += [(lang, n) for lang, ns in region.names.items() for n in ns]
            for lang, name in variants:
                key = _key(name)
                if len(key) >= 2:
                    out.append((key, lang in _SUBSTRING_SCRIPTS, meaning))
        return sorted(out, key=lambda t: -len(t[0]))

    def find_regions(self, text: str) -> list[RegionMatch]:
        """Every district (or province) named in the text; several when a name is shared (중구, 서구...)."""
        key = _key(text)
        padded = f" {key} "
        found: dict[tuple[str, str | None], RegionMatch] = {}
        for name, substring, meaning in self._names:
            hit = (name in key) if substring else (f" {name} " in padded)
            if hit:
                found.setdefault((meaning.province, meaning.district),
                                 RegionMatch(meaning.province, meaning.district, name))
        districts = [m for m in found.values() if m.district]
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
        for office in self.offices:
            if office.kind != kind:
                continue
            for d in office.districts:
                if d.province == region.province and (region.district is None or d.name == region.district
                                                      or region.district.startswith(d.name)):
                    return office
        return None
