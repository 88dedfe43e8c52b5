"""Editing office records: an editor's change is a revision, invisible until published, then live at once in
GET /v1/offices and in chat; only editors may edit; a district must exist and belong to one office per kind;
the CLI exports the live records in the files' format and refuses a broken file naming record and field.
Test data (phone 031-000-0000) lives only in temporary databases."""

import copy
import json
import shutil

import pytest
from fastapi.testclient import TestClient

from migrant_desk import auth
from migrant_desk.api import create_app
from migrant_desk.cli import build_parser
from migrant_desk.config import Settings
from migrant_desk.db import Store
from migrant_desk.editorial.offices_files import open_directory, write_files
from migrant_desk.editorial.offices_store import OfficeStore, known_districts
from migrant_desk.offices import OFFICES_DIR, OfficeDirectory
from migrant_desk.runtime import start
from tests.conftest import BUNDLED_KB

ANSAN = "labour-gyeonggi-ansan"  # 경기도 안산시, 시흥시 (knowledge_base/offices/labour.json)
PYEONGTAEK = "labour-gyeonggi-pyeongtaek"
TEST_PHONE = "031-000-0000"  # well formed, and nobody's number: it never leaves the test database


@pytest.fixture(scope="module")
def app_env(tmp_path_factory, cache_dir, module_database_url):
    root = tmp_path_factory.mktemp("offices")
    runtime = start(Settings(kb_path=BUNDLED_KB, index_dir=root / "idx", database_url=module_database_url,
                             cache_dir=cache_dir, translation_dir=root / "translation"))
    _, editor = auth.create_user(runtime.store.db, "eddie", "editor")
    _, second = auth.create_user(runtime.store.db, "erin", "editor")
    _, counselor = auth.create_user(runtime.store.db, "carla", "counselor", languages=["ko"])
    with TestClient(create_app(runtime=runtime)) as client:
        yield client, runtime, {"editor": editor, "second": second, "counselor": counselor}


def h(token):
    return {"authorization": f"Bearer {token}"}


def draft(client, token, office_id):
    r = client.get(f"/v1/editor/offices/{office_id}", headers=h(token))
    assert r.status_code == 200, r.text
    return copy.deepcopy(r.json()["draft"])


def save(client, token, record, note=""):
    return client.put(f"/v1/editor/offices/{record['id']}", headers=h(token), json={"office": record, "note": note})


def live_labour_office(client, region):
    r = client.get("/v1/offices", params={"kind": "labour", "region": region})
    assert r.status_code == 200, r.text
    return r.json()["office"]


def test_a_phone_change_is_a_revision_then_live_in_the_api_and_in_chat(app_env):
    client, runtime, tokens = app_env
    before = live_labour_office(client, "Ansan")["phone"]
    record = draft(client, tokens["editor"], ANSAN)
    assert record["phone"] == before == "1350" and "note" in record  # the editors' note is kept in the record
    record["phone"] = TEST_PHONE
    r = save(client, tokens["editor"], record, "the office's own line")
    assert r.status_code == 200 and r.json() == {"id": ANSAN, "revision": 2}, r.text
    assert live_labour_office(client, "Ansan")["phone"] == "1350"  # a draft changes nothing live
    history = client.get(f"/v1/editor/offices/{ANSAN}/revisions", headers=h(tokens["editor"])).json()
    assert (history[0]["number"], history[0]["author"], history[0]["published"]) == (1, "seed", True)
    assert (history[1]["number"], history[1]["published"]) == (2, False) and history[1]["author"].startswith("user:")
    assert history[1]["author_name"] == "eddie" and history[1]["note"] == "the office's own line"

    r = client.post(f"/v1/editor/offices/{ANSAN}/publish", headers=h(tokens["editor"]))
    assert r.status_code == 200 and r.json()["revision"] == 2 and r.json()["offices"] == len(runtime.service.offices.offices)
    assert live_labour_office(client, "Ansan")["phone"] == TEST_PHONE
    assert live_labour_office(client, "Ансан")["phone"] == TEST_PHONE  # every name of the place
    assert "note" not in live_labour_office(client, "Ansan")  # the editors' note is not shown to migrants
    directory = runtime.service.offices
    assert directory.office_for(directory.find_regions("안산에 살아요")[0], "labour").phone == TEST_PHONE
    shown = runtime.service._office("I work in Ansan and was not paid", runtime.service.entries["unpaid-wages"], "en")
    assert shown is not None and shown.id == ANSAN and shown.phone == TEST_PHONE
    history = client.get(f"/v1/editor/offices/{ANSAN}/revisions", headers=h(tokens["editor"])).json()
    assert [(r["number"], r["published"]) for r in history] == [(1, False), (2, True)]
    # The list shows the record with its verified flag and no unpublished change.
    row = next(r for r in client.get("/v1/editor/offices", headers=h(tokens["editor"])).json() if r["id"] == ANSAN)
    assert row["verified"] is False and row["head_revision"] == row["published_revision"] == 2


def test_only_editors_may_read_or_change_office_records(app_env):
    client, runtime, tokens = app_env
    migrant = client.post("/v1/handoff", json={"conversation_id": "offices-migrant", "lang": "vi", "consent": True})
    assert migrant.status_code == 201, migrant.text
    head = runtime.store.db.execute("SELECT head_revision FROM office_records WHERE id = ?", [ANSAN]).fetchone()[0]
    record = draft(client, tokens["editor"], ANSAN) | {"phone": "1350"}
    for headers, status in (({}, 401), (h("mds_not-a-token"), 401), (h(tokens["counselor"]), 403),
                            (h(migrant.json()["access_token"]), 403)):
        calls = [client.get("/v1/editor/offices", headers=headers),
                 client.get(f"/v1/editor/offices/{ANSAN}", headers=headers),
                 client.put(f"/v1/editor/offices/{ANSAN}", headers=headers, json={"office": record}),
                 client.post("/v1/editor/offices", headers=headers, json={"office": record | {"id": "new-one"}}),
                 client.post(f"/v1/editor/offices/{ANSAN}/publish", headers=headers)]
        assert [c.status_code for c in calls] == [status] * 5, [c.text for c in calls]
        assert all(set(c.json()) == {"code", "message"} for c in calls)
    assert runtime.store.db.execute("SELECT head_revision FROM office_records WHERE id = ?", [ANSAN]).fetchone()[0] == head


def test_a_district_not_in_regions_is_refused_naming_it(app_env):
    client, _, tokens = app_env
    head = client.get(f"/v1/editor/offices/{PYEONGTAEK}", headers=h(tokens["editor"])).json()["head_revision"]
    record = draft(client, tokens["editor"], PYEONGTAEK)
    record["districts"].append({"province": "경기도", "name": "아틀란티스시"})
    r = save(client, tokens["editor"], record)
    assert r.status_code == 422 and r.json()["code"] == "unknown_district", r.text
    position = len(record["districts"]) - 1
    assert f"field districts.{position}:" in r.json()["message"] and "경기도 아틀란티스시" in r.json()["message"]
    assert "regions.json" in r.json()["message"]
    assert client.get(f"/v1/editor/offices/{PYEONGTAEK}", headers=h(tokens["editor"])).json()["head_revision"] == head


@pytest.mark.parametrize(("field", "value", "reason"), [
    ("phone", "031 000 0000", "phone number"), ("hours", "9 to 6", "opening hours"),
    ("checked", "01/12/2026", "date"), ("level", "hq", "pattern"), ("adress", {"ko": "x"}, "Extra inputs"),
])
def test_a_malformed_field_is_refused_naming_the_field(app_env, field, value, reason):
    client, _, tokens = app_env
    record = draft(client, tokens["editor"], PYEONGTAEK) | {field: value}
    r = save(client, tokens["editor"], record)
    assert r.status_code == 422 and r.json()["code"] == "invalid_office", r.text
    assert f"field {field}:" in r.json()["message"] and reason in r.json()["message"], r.json()["message"]


def test_a_district_claimed_twice_is_refused_and_a_move_publishes_the_giver_first(app_env):
    client, _, tokens = app_env
    editor = tokens["editor"]
    taker = draft(client, editor, PYEONGTAEK)
    taker["districts"].append({"province": "경기도", "name": "시흥시"})  # the Ansan office covers 시흥시
    r = save(client, editor, taker)
    assert r.status_code == 422 and r.json()["code"] == "district_claimed", r.text
    assert f"field districts.{len(taker['districts']) - 1}:" in r.json()["message"] and ANSAN in r.json()["message"]
    doubled = draft(client, editor, PYEONGTAEK)
    doubled["districts"].append(dict(doubled["districts"][0]))
    r = save(client, editor, doubled)
    assert r.status_code == 422 and r.json()["code"] == "district_claimed" and "twice" in r.json()["message"]

    giver = draft(client, editor, ANSAN)
    giver["districts"] = [d for d in giver["districts"] if d["name"] != "시흥시"]
    assert save(client, editor, giver, "시흥시 moves").status_code == 200
    assert save(client, editor, taker, "시흥시 moves").status_code == 200  # no other draft claims it now
    r = client.post(f"/v1/editor/offices/{PYEONGTAEK}/publish", headers=h(editor))
    assert r.status_code == 422 and r.json()["code"] == "district_claimed" and ANSAN in r.json()["message"]
    assert live_labour_office(client, "Siheung")["id"] == ANSAN  # nothing went live
    for office_id in (ANSAN, PYEONGTAEK):
        assert client.post(f"/v1/editor/offices/{office_id}/publish", headers=h(editor)).status_code == 200
    assert live_labour_office(client, "Siheung")["id"] == PYEONGTAEK
    assert live_labour_office(client, "Ansan")["id"] == ANSAN


def test_a_new_office_needs_a_second_editor_when_review_is_required(app_env, monkeypatch):
    client, runtime, tokens = app_env
    record = draft(client, tokens["editor"], "fc-seoul-guro") | {"id": "fc-test-new", "districts": [],
                                                                 "name": {"ko": "시험가족센터"}}
    r = client.post("/v1/editor/offices", headers=h(tokens["editor"]), json={"office": record, "note": "new"})
    assert r.status_code == 201 and r.json() == {"id": "fc-test-new", "revision": 1}, r.text
    r = client.post("/v1/editor/offices", headers=h(tokens["editor"]), json={"office": record})
    assert r.status_code == 409 and r.json()["code"] == "duplicate_id"
    monkeypatch.setattr(runtime.settings, "require_review", True)
    r = client.post("/v1/editor/offices/fc-test-new/publish", headers=h(tokens["editor"]))
    assert r.status_code == 409 and r.json()["code"] == "review_required"
    r = client.post("/v1/editor/offices/fc-test-new/review", headers=h(tokens["editor"]))
    assert r.status_code == 409 and r.json()["code"] == "self_review"
    assert client.post("/v1/editor/offices/fc-test-new/review", headers=h(tokens["second"])).status_code == 200
    r = client.post("/v1/editor/offices/fc-test-new/publish", headers=h(tokens["editor"]))
    assert r.status_code == 200, r.text
    assert "fc-test-new" in {o.id for o in runtime.service.offices.offices}
    assert client.get("/v1/editor/offices/nope", headers=h(tokens["editor"])).status_code == 404


def test_export_writes_what_the_loader_reads_back_equal(app_env, tmp_path):
    _, runtime, _ = app_env
    out = tmp_path / "kb" / OFFICES_DIR
    args = build_parser().parse_args(["offices", "export", str(out), "--db", str(runtime.settings.database),
                                      "--kb", str(BUNDLED_KB)])
    assert args.func(args) == 0
    assert OfficeDirectory.load(tmp_path / "kb").offices == runtime.service.offices.offices
    labour = json.loads((out / "labour.json").read_text(encoding="utf-8"))
    ansan = next(o for o in labour if o["id"] == ANSAN)
    assert ansan["phone"] == TEST_PHONE and ansan["note"]  # the edit, and the note the loader ignores


def test_an_unedited_database_exports_the_committed_files(tmp_path, database_url):
    """Key order, URL spelling and record order survive the database: an export is a clean diff."""
    directory = open_directory(Store(database_url).db, BUNDLED_KB)
    store = OfficeStore(Store(database_url).db, known_districts(directory.districts))
    counts = write_files(store.published(), tmp_path / "out")
    assert counts == {"family-centre.json": 28, "immigration.json": 34, "labour.json": 35}
    for name in counts:
        committed = (BUNDLED_KB / OFFICES_DIR / name).read_text(encoding="utf-8")
        assert (tmp_path / "out" / name).read_text(encoding="utf-8").rstrip("\n") == committed.rstrip("\n"), name


def test_the_seed_adds_unseen_records_and_never_overwrites_an_edited_one(tmp_path, caplog, database_url):
    shutil.copytree(BUNDLED_KB / OFFICES_DIR, tmp_path / "kb" / OFFICES_DIR)
    database = Store(database_url).db
    directory = open_directory(database, tmp_path / "kb")
    store = OfficeStore(database, known_districts(directory.districts))
    edited = store.state(ANSAN).draft | {"phone": TEST_PHONE}
    store.save(edited, "user:1", "edit")
    store.mark_published(ANSAN, require_review=False)
    path = tmp_path / "kb" / OFFICES_DIR / "labour.json"
    records = json.loads(path.read_text(encoding="utf-8"))
    fresh = copy.deepcopy(records[0]) | {"id": "labour-test-new", "districts": [{"province": "부산광역시", "name": "해운대구"}]}
    clash = copy.deepcopy(records[0]) | {"id": "labour-test-clash", "districts": [{"province": "경기도", "name": "안산시"}]}
    for r in records:
        if r["id"] == ANSAN:
            r["phone"] = "1350"
    path.write_text(json.dumps(records + [fresh, clash], ensure_ascii=False, indent=1), encoding="utf-8")
    with caplog.at_level("WARNING"):
        live = open_directory(database, tmp_path / "kb")
    offices = {o.id: o for o in live.offices}
    assert offices[ANSAN].phone == TEST_PHONE  # the database is the source of truth once it knows a record
    assert "labour-test-new" in offices and store.revisions("labour-test-new")[0].author == "seed"
    assert "labour-test-clash" not in offices  # 안산시 already has its labour office: skipped, and said
    assert any("labour-test-clash" in m and "districts.0" in m for m in caplog.messages), caplog.messages


def test_import_of_a_broken_file_exits_non_zero_naming_file_record_and_field(app_env, tmp_path, capsys):
    _, runtime, _ = app_env
    records = json.loads((BUNDLED_KB / OFFICES_DIR / "family-centre.json").read_text(encoding="utf-8"))
    records[3]["phone"] = "call 1577"
    del records[5]["checked"]
    broken = tmp_path / "family-centre.json"
    broken.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    heads = dict(runtime.store.db.execute("SELECT id, head_revision FROM office_records").fetchall())
    args = build_parser().parse_args(["offices", "import", str(broken), "--db", str(runtime.settings.database),
                                      "--kb", str(BUNDLED_KB)])
    assert args.func(args) == 1
    err = capsys.readouterr().err
    assert f"{broken}, record #4: office {records[3]['id']}: field phone:" in err, err
    assert f"{broken}, record #6: office {records[5]['id']}: field checked:" in err, err
    assert "nothing was imported" in err
    assert dict(runtime.store.db.execute("SELECT id, head_revision FROM office_records").fetchall()) == heads
    # The same file, fixed, imports; unchanged records make no revision.
    args = build_parser().parse_args(["offices", "import", str(BUNDLED_KB / OFFICES_DIR / "family-centre.json"),
                                      "--db", str(runtime.settings.database), "--kb", str(BUNDLED_KB)])
    assert args.func(args) == 0 and "'unchanged': 28" in capsys.readouterr().out


def test_the_editor_page_has_a_labelled_offices_form_and_its_script(app_env):
    """The page half without a browser: offices.js is loaded and served, every id it looks up is on the page,
    and every field of the section has a label."""
    import re

    from migrant_desk.config import PROJECT_ROOT
    from migrant_desk.web.routes import asset_url

    client, _, _ = app_env
    page = client.get("/editor").text
    assert f'src="{asset_url("offices.js")}"' in page and client.get(asset_url("offices.js")).status_code == 200
    script = (PROJECT_ROOT / "migrant_desk" / "web" / "static" / "offices.js").read_text(encoding="utf-8")
    looked_up = set(re.findall(r'\$\("([a-z0-9-]+)"\)', script)) | set(re.findall(r'"(o-[a-z0-9-]+)"', script))
    ids = set(re.findall(r'id="([^"]+)"', page))
    assert looked_up and looked_up - {"o-address-"} <= ids, looked_up - ids
    section = page[page.index('<section id="offices"'):page.index("</main>")]
    fields = re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', section)
    labels = set(re.findall(r'<label for="([^"]+)"', section))
    assert len(fields) == 9 and set(fields) <= labels, set(fields) - labels
