"""The bundled family centres (knowledge_base/offices/family-centre.json): every record is well formed, names a
real district, no district has two centres, phones read as the desk's phone numbers, and a place named in any
language finds its centre. Data only: no model, no index."""

import json
import re

import pytest

from migrant_desk.contacts import PHONE_IN_TEXT, hours_text
from migrant_desk.offices import OFFICES_DIR, Office, OfficeDirectory
from tests.conftest import BUNDLED_KB

FOLDER = BUNDLED_KB / OFFICES_DIR
RAW = json.loads((FOLDER / "family-centre.json").read_text(encoding="utf-8"))
REGIONS = json.loads((FOLDER / "regions.json").read_text(encoding="utf-8"))
# "mon-fri 09:00-18:00; sat 10:00-17:00", the format contacts.hours_text reads.
HOURS = re.compile(r"(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))? \d\d:\d\d-\d\d:\d\d"
                   r"(; (mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))? \d\d:\d\d-\d\d:\d\d)*")


@pytest.fixture(scope="module")
def directory():
    return OfficeDirectory.load(BUNDLED_KB)


def test_every_record_is_a_sourced_unverified_family_centre():
    assert len(RAW) >= 20
    ids = [o["id"] for o in RAW]
    assert len(ids) == len(set(ids)), "duplicate ids"
    for raw in RAW:
        office = Office.model_validate(raw)
        assert office.kind == "family-centre" and office.level == "center", office.id
        assert office.name.get("ko") and office.name.get("en"), office.id
        # A record without a way to reach the centre would only repeat "ask Danuri".
        assert office.phone or office.address.get("ko"), office.id
        assert office.sources and all(s.url.scheme in ("http", "https") for s in office.sources), office.id
        assert office.checked == "2026-12-01", office.id
        # Nothing here was checked against the official centre list (README): it must say so.
        assert office.verified is False, office.id
        assert office.districts, office.id


def test_every_district_exists_in_regions_and_no_district_has_two_centres(directory):
    known = {(d["province"], d["ko"]) for d in REGIONS["districts"]}
    claimed: dict[tuple[str, str], str] = {}
    # Across every file in the folder: office_for returns the first match, so a second centre would be hidden.
    for office in (o for o in directory.offices if o.kind == "family-centre"):
        for d in office.districts:
            key = (d.province, d.name)
            assert key in known, (office.id, key)
            assert key not in claimed, f"{key} claimed by {claimed.get(key)} and {office.id}"
            claimed[key] = office.id


def test_the_readme_states_the_current_count():
    readme = (FOLDER / "README.md").read_text(encoding="utf-8")
    assert f"{len(RAW)} of roughly" in readme, "update the family-centre paragraph in knowledge_base/offices/README.md"


def test_a_city_centre_also_covers_its_non_autonomous_districts():
    """청주시's centre answers a question that names 흥덕구: every 일반구 of a covered city is listed with it."""
    covered = {(d["province"], d["name"]) for raw in RAW for d in raw["districts"]}
    for d in REGIONS["districts"]:
        if d.get("parent") and (d["province"], d["parent"]) in covered:
            assert (d["province"], d["ko"]) in covered, d["ko"]


def test_phones_read_as_the_service_reads_phone_numbers_and_hours_render():
    for raw in RAW:
        if "phone" in raw:
            assert PHONE_IN_TEXT.fullmatch(raw["phone"]), (raw["id"], raw["phone"])
        if "hours" in raw:
            assert HOURS.fullmatch(raw["hours"]), (raw["id"], raw["hours"])
            assert hours_text(raw["hours"], "en").startswith("Mon")


@pytest.mark.parametrize(("question", "district", "centre"), [
    ("가족센터 어디예요? 청주에 살아요", "청주시", "fc-chungbuk-cheongju"),
    ("I live in Heungdeok-gu", "흥덕구", "fc-chungbuk-cheongju"),  # a 일반구 of the city
    ("Tôi sống ở Pyeongtaek", "평택시", "fc-gyeonggi-pyeongtaek"),
    ("Я живу в городе Пхочхон", "포천시", "fc-gyeonggi-pocheon"),
    ("ฉันอยู่ที่อีช็อน", "이천시", "fc-gyeonggi-icheon"),
    ("我住在西归浦", "서귀포시", "fc-jeju-seogwipo"),
    ("Seoul Gangseo-gu family center", "강서구", "fc-seoul-gangseo"),  # 강서구 is also in Busan: the city decides
])
def test_a_place_named_in_any_language_finds_its_family_centre(directory, question, district, centre):
    regions = directory.find_regions(question)
    assert [r.district for r in regions] == [district], (question, regions)
    office = directory.office_for(regions[0], "family-centre")
    assert office is not None and office.id == centre, question


def test_a_district_without_a_sourced_centre_gets_none_rather_than_a_neighbour(directory):
    # 부산 강서구 shares its name with 서울 강서구, whose centre must not be offered to a Busan resident.
    busan = directory.find_regions("Busan Gangseo-gu")
    assert [(r.province, r.district) for r in busan] == [("부산광역시", "강서구")]
    assert directory.office_for(busan[0], "family-centre") is None
