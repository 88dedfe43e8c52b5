"""Which office handles my area: place names in any script, shared names, and the lookup (own small data); the
bundled labour offices (knowledge_base/offices/labour.json) over HTTP and in chat."""

import json

import pytest

from migrant_desk.languages import SUPPORTED_LANGUAGES
from migrant_desk.offices import CONFIRM_PHONE, OFFICES_DIR, Office, OfficeDirectory, kind_for_phone, unverified_note
from tests.conftest import BUNDLED_KB

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
    (folder / "labour.json").write_text(json.dumps([
        {"id": "ansan-labour", "kind": "labour", "name": {"ko": "안산지청", "en": "Ansan Labour Office"}, "phone": "1350",
         "districts": [{"province": "경기도", "name": "안산시"}], "sources": SOURCE, "checked": "2026-12-01"},
        {"id": "daegu-west", "kind": "labour", "name": {"ko": "대구서부지청", "en": "Daegu West Labour Office"},
         "districts": [{"province": "대구광역시", "name": "달서구"}], "sources": SOURCE, "checked": "2026-12-01"},
    ], ensure_ascii=False), encoding="utf-8")
    (folder / "regions.json").write_text(json.dumps({
        "provinces": [{"ko": "부산광역시", "names": {"en": ["Busan"], "ru": ["Пусан"]}},
                      {"ko": "인천광역시", "names": {"en": ["Incheon"]}}, {"ko": "경기도", "names": {"en": ["Gyeonggi"]}}],
        "districts": [
            {"province": "경기도", "ko": "안산시", "names": {"en": ["Ansan", "Ansan-si"], "ru": ["Ансан"],
                                                       "th": ["อันซาน"], "zh": ["安山市", "安山"]}},
            {"province": "부산광역시", "ko": "중구", "names": {"en": ["Jung-gu"]}},
            {"province": "인천광역시", "ko": "중구", "names": {"en": ["Jung-gu"]}},
            {"province": "경기도", "ko": "단원구", "parent": "안산시", "names": {"en": ["Danwon-gu"]}},
            {"province": "대구광역시", "ko": "달서구", "names": {"en": ["Dalseo-gu"]}},
            {"province": "대구광역시", "ko": "서구", "names": {"en": ["Seo-gu"]}},
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
    assert directory.office_for(directory.find_regions("Busan Jung-gu")[0], "labour") is None


def test_each_kind_has_its_own_offices_for_the_same_place(directory):
    ansan = directory.find_regions("안산에 살아요")[0]
    assert directory.office_for(ansan, "immigration").id == "suwon"
    assert directory.office_for(ansan, "labour").id == "ansan-labour"
    assert directory.office_for(ansan, "family-centre") is None


@pytest.mark.parametrize("question", ["안산시 단원구에 살아요", "단원구 임금체불", "Ansan Danwon-gu"])
def test_a_city_district_stands_for_its_city(directory, question):
    """단원구 is a 일반구 of 안산시: with or without the city named, one place, and the city's office."""
    regions = directory.find_regions(question)
    assert [(r.province, r.district, r.city) for r in regions] == [("경기도", "단원구", "안산시")], question
    assert directory.office_for(regions[0], "labour").id == "ansan-labour"
    assert directory.office_for(regions[0], "immigration").id == "suwon"


def test_a_short_name_inside_a_longer_one_is_not_a_second_place(directory):
    # Korean names match as substrings: 서구 is inside 달서구, and both are districts of Daegu.
    for question in ("대구 달서구 성서공단에서 일해요", "달서구"):
        regions = directory.find_regions(question)
        assert [(r.province, r.district) for r in regions] == [("대구광역시", "달서구")], question
        assert directory.office_for(regions[0], "labour").id == "daegu-west"
    assert [r.district for r in directory.find_regions("대구 서구")] == ["서구"]


def test_the_answer_line_decides_the_kind_and_the_note_names_that_line():
    assert {phone: kind_for_phone(phone) for phone in ("1345", "1350", "1577-1366", "112", None)} == {
        "1345": "immigration", "1350": "labour", "1577-1366": "family-centre", "112": None, None: None}
    for lang in SUPPORTED_LANGUAGES:
        assert "1345" in unverified_note("immigration", lang), lang
        for kind in ("labour", "family-centre"):
            note = unverified_note(kind, lang)
            assert CONFIRM_PHONE[kind] in note and "1345" not in note, (kind, lang, note)


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
    assert shown is not None and shown.id == office.id and shown.note == message("office_unverified", "en", phone="1345")


LABOUR = json.loads((BUNDLED_KB / OFFICES_DIR / "labour.json").read_text(encoding="utf-8"))
REGIONS = json.loads((BUNDLED_KB / OFFICES_DIR / "regions.json").read_text(encoding="utf-8"))


def test_every_labour_record_is_a_sourced_unverified_labour_office():
    assert len(LABOUR) >= 30
    assert len({o["id"] for o in LABOUR}) == len(LABOUR), "duplicate ids"
    known = {(d["province"], d["ko"]) for d in REGIONS["districts"]}
    claimed: dict[tuple[str, str], str] = {}
    for raw in LABOUR:
        office = Office.model_validate(raw)
        assert office.kind == "labour" and office.level in ("main", "branch", "center"), office.id
        assert office.name.get("ko") and office.name.get("en"), office.id
        assert office.sources and all(s.url.scheme in ("http", "https") for s in office.sources), office.id
        assert office.checked == "2026-12-01" and office.verified is False, office.id  # README: no official table
        # No source gave a direct number: the record says so and gives the ministry's line (README).
        assert office.phone == "1350" and "1350" in raw["note"], office.id
        for d in office.districts:
            assert (d.province, d.name) in known, (office.id, d.province, d.name)  # spelled as regions.json
            assert claimed.setdefault((d.province, d.name), office.id) == office.id, (d, claimed[(d.province, d.name)])
    assert sum(bool(o["districts"]) for o in LABOUR) >= 30


@pytest.mark.parametrize(("region", "district", "office"), [
    ("안산시", "안산시", "labour-gyeonggi-ansan"),
    ("Ansan", "안산시", "labour-gyeonggi-ansan"),
    ("Ансан", "안산시", "labour-gyeonggi-ansan"),
    ("อันซาน", "안산시", "labour-gyeonggi-ansan"),
    ("安山", "안산시", "labour-gyeonggi-ansan"),
    ("Siheung", "시흥시", "labour-gyeonggi-ansan"),
    ("Danwon-gu", "단원구", "labour-gyeonggi-ansan"),  # a 일반구: its city's office
    ("平沢市", "평택시", "labour-gyeonggi-pyeongtaek"),
    ("Чонан", "천안시", "labour-daejeon-cheonan"),
    ("गिम्हे", "김해시", "labour-busan-yangsan"),
    ("대구 달서구", "달서구", "labour-daegu-seobu"),
    ("Seoul Seocho-gu", "서초구", "labour-seoul-gangnam"),
])
def test_the_labour_office_for_a_place_named_in_any_language(runtime, region, district, office):
    from fastapi.testclient import TestClient

    from migrant_desk.api import create_app

    with TestClient(create_app(runtime=runtime)) as client:
        r = client.get("/v1/offices", params={"kind": "labour", "region": region})
    assert r.status_code == 200, (region, r.text)
    assert r.json()["district"] == district and r.json()["office"]["id"] == office, region
    assert r.json()["office"]["kind"] == "labour" and r.json()["office"]["verified"] is False


def test_a_place_without_a_sourced_labour_office_is_a_404_not_a_neighbour(runtime):
    from fastapi.testclient import TestClient

    from migrant_desk.api import create_app

    with TestClient(create_app(runtime=runtime)) as client:
        r = client.get("/v1/offices", params={"kind": "labour", "region": "Busan Haeundae-gu"})
        assert r.status_code == 404 and r.json()["code"] == "office_not_found", r.text
        r = client.get("/v1/offices", params={"kind": "tax", "region": "Ansan"})
        assert r.status_code == 422, r.text


@pytest.mark.parametrize(("question", "lang"), [
    ("I live in Ansan, where is my labour office?", "en"),
    ("안산 사는데 임금체불 어디 신고해요", "ko"),
    ("Tôi làm việc ở Ansan, công ty không trả lương", "vi"),
    ("ฉันทำงานที่อันซาน นายจ้างไม่จ่ายเงินเดือน", "th"),
])
def test_a_1350_answer_carries_the_labour_office_in_chat(runtime, question, lang):
    service = runtime.service
    entry = service.entries["unpaid-wages"]
    assert entry.contact.phone == "1350"
    shown = service._office(question, entry, lang)
    assert shown is not None and shown.id == "labour-gyeonggi-ansan" and shown.kind == "labour", question
    assert shown.region == "안산시" and shown.note == unverified_note("labour", lang) and "1350" in shown.note
    # The same words with an immigration (1345) answer bring the immigration office, not the labour one.
    immigration = next(e for e in service.entries.values() if e.contact and e.contact.phone == "1345")
    other = service._office(question, immigration, lang)
    assert other is not None and other.kind == "immigration" and "1345" in other.note
    # A line that stands for no kind of office (112) brings none.
    police = next(e for e in service.entries.values() if e.contact and e.contact.phone == "112")
    assert service._office(question, police, lang) is None


@pytest.mark.parametrize("question", [
    "안산 사는데 임금체불 어디 신고해요",
    "My boss has not paid my salary for two months. I work in Ansan. Where do I report it?",
])
def test_asking_about_unpaid_wages_in_ansan_shows_the_ansan_labour_office(runtime, question):
    """The whole ask path: the answer is a 1350 entry, and the reply carries its labour office."""
    result = runtime.service.ask(question)
    assert result.answered and result.answer.contact and result.answer.contact.phone == "1350", question
    assert result.office is not None and result.office.id == "labour-gyeonggi-ansan" and result.office.kind == "labour"
    assert result.office.note == unverified_note("labour", result.lang)


@pytest.mark.parametrize("text, district", [
    ("Я живу в Ансане, где мой миграционный офис?", "안산시"),  # Russian prepositional case
    ("Живу в Пучхоне", "부천시"),
    ("Men Gimhaeda yashayman", "김해시"),  # Uzbek locative -da
    ("म अन्सानमा बस्छु", "안산시"),  # Nepali postposition -मा
    ("Би Кимхэд амьдардаг", "김해시"),  # Mongolian dative
])
def test_place_names_with_case_endings_are_found(text, district):
    directory = OfficeDirectory.load(BUNDLED_KB)
    assert [m.district for m in directory.find_regions(text)] == [district]
