"""Which office handles my area: place names in any script, shared names, and the lookup (own small data)."""

import json

import pytest

from migrant_desk.offices import OfficeDirectory

SOURCE = [{"title": "Jurisdiction table", "url": "https://www.law.go.kr/"}]


@pytest.fixture
def directory(tmp_path):
    folder = tmp_path / "kb" / "offices"
    folder.mkdir(parents=True)
    (folder / "immigration.json").write_text(json.dumps([
        {"id": "suwon", "kind": "immigration", "name": {"ko": "수원출입국·외국인사무소", "en": "Suwon Immigration Office"},
         "phone": "1345", "districts": [{"province": "경기도", "name": "안산시"}, {"province": "경기도", "name": "수원시"}],
         "sources": SOURCE, "checked": "2026-12-01"},
        {"id": "busan", "kind": "immigration", "name": {"ko": "부산출입국·외국인청", "en": "Busan Immigration Office"},
         "districts": [{"province": "부산광역시", "name": "중구"}], "sources": SOURCE, "checked": "2026-12-01"},
        {"id": "incheon", "kind": "immigration", "name": {"ko": "인천출입국·외국인청", "en": "Incheon Immigration Office"},
         "districts": [{"province": "인천광역시", "name": "중구"}], "sources": SOURCE, "checked": "2026-12-01"},
    ], ensure_ascii=False), encoding="utf-8")
    (folder / "regions.json").write_text(json.dumps({
        "provinces": [{"ko": "부산광역시", "names": {"en": ["Busan"], "ru": ["Пусан"]}},
                      {"ko": "인천광역시", "names": {"en": ["Incheon"]}}, {"ko": "경기도", "names": {"en": ["Gyeonggi"]}}],
        "districts": [
            {"province": "경기도", "ko": "안산시", "names": {"en": ["Ansan", "Ansan-si"], "ru": ["Ансан"],
                                                       "th": ["อันซาน"], "zh": ["安山市", "安山"]}},
            {"province": "부산광역시", "ko": "중구", "names": {"en": ["Jung-gu"]}},
            {"province": "인천광역시", "ko": "중구", "names": {"en": ["Jung-gu"]}},
        ]}, ensure_ascii=False), encoding="utf-8")
    return OfficeDirectory.load(tmp_path / "kb")


@pytest.mark.parametrize("question", [
    "where is my immigration office, I live in Ansan", "ansan-si immigration", "안산에 살아요 출입국 어디예요",
    "Ансан иммиграционный офис где", "อันซาน ตม.อยู่ไหน", "我住在安山，出入境在哪里",
])
def test_a_place_named_in_any_script_finds_its_office(directory, question):
    regions = directory.find_regions(question)
    assert [(r.province, r.district) for r in regions] == [("경기도", "안산시")], question
    assert directory.office_for(regions[0], "immigration").id == "suwon"


def test_a_shared_district_name_needs_its_city(directory):
    assert len(directory.find_regions("I live in Jung-gu")) == 2
    narrowed = directory.find_regions("Busan Jung-gu")
    assert [(r.province, r.district) for r in narrowed] == [("부산광역시", "중구")]
    assert directory.office_for(narrowed[0], "immigration").id == "busan"


def test_nothing_named_and_words_inside_other_words_do_not_match(directory):
    assert directory.find_regions("how do I extend my visa") == []
    assert directory.find_regions("ansanville") == []  # Latin names match whole words only
    assert directory.office_for(directory.find_regions("Ansan")[0], "labour") is None


def test_the_bundled_directory_answers_over_http_and_in_chat(runtime):
    """The bundled records (knowledge_base/offices): a place in several scripts, a shared name, and the chat."""
    from fastapi.testclient import TestClient

    from migrant_desk.api import create_app
    from migrant_desk.messages import message

    with TestClient(create_app(runtime=runtime)) as client:
        for region in ("안산시", "Ansan", "Ансан", "อันซาน", "安山"):
            r = client.get("/v1/offices", params={"kind": "immigration", "region": region})
            assert r.status_code == 200, (region, r.text)
            assert r.json()["district"] == "안산시" and r.json()["office"]["sources"]
        r = client.get("/v1/offices", params={"region": "Gwangju"})
        assert r.status_code == 409 and r.json()["code"] == "region_ambiguous"
        r = client.get("/v1/offices", params={"region": "Atlantis"})
        assert r.status_code == 404 and r.json()["code"] == "region_not_found"
    directory = runtime.service.offices
    ansan = directory.find_regions("I live in Ansan")[0]
    office = directory.office_for(ansan, "immigration")
    assert office is not None and not office.verified  # README: unverified until checked against 별표 4
    entry = next(e for e in runtime.service.entries.values() if e.contact and e.contact.phone == "1345")
    shown = runtime.service._office("where is my immigration office, I live in Ansan", entry, "en")
    assert shown is not None and shown.id == office.id and shown.note == message("office_unverified", "en")
