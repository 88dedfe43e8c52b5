"""Editing over HTTP: drafts are invisible to /v1/ask until published; publishing swaps the index while
questions keep being answered; validation names the field; only editors and admins may edit."""

import copy
import threading
import uuid

import pytest
from fastapi.testclient import TestClient

from migrant_desk import auth
from migrant_desk.api import create_app
from migrant_desk.config import Settings
from migrant_desk.runtime import start
from tests.conftest import BUNDLED_KB

QUESTION = "퇴직금은 언제 받을 수 있어요?"


@pytest.fixture(scope="module")
def app_env(tmp_path_factory, cache_dir, module_database_url):
    root = tmp_path_factory.mktemp("editorial")
    # the whole bundled knowledge base: the confidence gate is calibrated for it (its embeddings are cached)
    runtime = start(Settings(kb_path=BUNDLED_KB, index_dir=root / "idx", database_url=module_database_url,
                             cache_dir=cache_dir))
    _, editor = auth.create_user(runtime.store.db, "eddie", "editor")
    _, second = auth.create_user(runtime.store.db, "erin", "editor")
    _, counselor = auth.create_user(runtime.store.db, "carla", "counselor", languages=["ko"])
    with TestClient(create_app(runtime=runtime)) as client:
        yield client, runtime, {"editor": editor, "second": second, "counselor": counselor}


def h(token):
    return {"authorization": f"Bearer {token}"}


def ask(client, text=QUESTION):
    body = client.post("/v1/ask", json={"text": text, "lang": "ko"}).json()
    return body["answer"]["answer"] if body["answer"] else None


def draft_with_new_answer(client, token, text):
    entry = client.get("/v1/editor/entries/severance-pay", headers=h(token)).json()["draft"]
    entry = copy.deepcopy(entry)
    entry["translations"]["ko"]["answer"] = text
    return entry


def test_draft_is_invisible_until_published_then_searchable(app_env):
    client, runtime, tokens = app_env
    before = ask(client)
    # a text new to the (persistent) embedding cache, so exactly one text needs embedding
    new_text = f"퇴직금은 1년 이상 일하고 그만둔 날부터 14일 안에 받아야 합니다. 못 받으면 1350에 문의하세요. (수정본 {uuid.uuid4().hex[:8]})"
    r = client.put("/v1/editor/entries/severance-pay", headers=h(tokens["editor"]),
                   json={"entry": draft_with_new_answer(client, tokens["editor"], new_text), "note": "wording"})
    assert r.status_code == 200 and r.json()["revision"] == 2
    assert ask(client) == before  # a draft changes nothing live
    state = client.get("/v1/editor/entries/severance-pay", headers=h(tokens["editor"])).json()
    assert state["has_unpublished_changes"] and state["published_revision"] == 1
    published = client.post("/v1/editor/entries/severance-pay/publish", headers=h(tokens["editor"]))
    assert published.status_code == 200, published.text
    result = published.json()
    assert result["entries"] == len(runtime.entries) and result["embedded_texts"] == 1  # only the changed text
    assert ask(client) == new_text
    revisions = client.get("/v1/editor/entries/severance-pay/revisions", headers=h(tokens["editor"])).json()
    assert [(r["number"], r["published"]) for r in revisions] == [(1, False), (2, True)]
    diff = client.get("/v1/editor/entries/severance-pay/diff?old=1&new=2", headers=h(tokens["editor"])).json()
    added = [l for l in diff["diff"].splitlines() if l.startswith("+") and not l.startswith("+++")]
    removed = [l for l in diff["diff"].splitlines() if l.startswith("-") and not l.startswith("---")]
    assert any(new_text[-12:] in l for l in added) and removed


def test_rollback_and_publish_restores_the_old_answer(app_env):
    client, runtime, tokens = app_env
    original = client.get("/v1/editor/entries/severance-pay", headers=h(tokens["editor"])).json()
    r = client.post("/v1/editor/entries/severance-pay/rollback/1", headers=h(tokens["editor"]))
    assert r.status_code == 200
    client.post("/v1/editor/entries/severance-pay/publish", headers=h(tokens["editor"]))
    first = runtime.editorial.revision_data("severance-pay", 1)
    assert ask(client) == first["translations"]["ko"]["answer"]
    assert original["head_revision"] < r.json()["revision"]


# The index swap under load is the same code on both engines (the database is read once per publish, and the
# other tests here publish on PostgreSQL too); on one engine it saves ~20 s of the suite.
@pytest.mark.parametrize("module_database_url", ["sqlite"], indirect=True)
def test_publish_while_questions_are_asked(app_env):
    """Readers see the old or the new answer, never an error and never a mix of old entries and new index."""
    client, runtime, tokens = app_env
    texts = [f"퇴직금은 퇴사 후 14일 안에 지급됩니다. 버전 {i}." for i in range(3)]
    allowed = {runtime.service.entries["severance-pay"].translations["ko"].answer, *texts}
    seen, errors, stop = set(), [], threading.Event()

    def reader():
        while not stop.is_set():
            r = client.post("/v1/ask", json={"text": QUESTION, "lang": "ko"})
            if r.status_code != 200:
                errors.append(r.status_code)
                continue
            body = r.json()
            answer = body["answer"]
            if answer is None or answer["id"] != "severance-pay":
                errors.append(("not answered", body["confidence_value"]))
                continue
            seen.add(answer["answer"])

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for text in texts:
        entry = draft_with_new_answer(client, tokens["editor"], text)
        client.put("/v1/editor/entries/severance-pay", headers=h(tokens["editor"]), json={"entry": entry})
        assert client.post("/v1/editor/entries/severance-pay/publish", headers=h(tokens["editor"])).status_code == 200
    stop.set()
    for t in threads:
        t.join(30)
    assert not errors
    assert seen <= allowed and texts[-1] in seen | {ask(client)}
    assert ask(client) == texts[-1]


@pytest.mark.parametrize(
    "change,field",
    [
        (lambda e: e["translations"]["ko"].pop("answer"), "translations.ko.answer"),
        (lambda e: e["translations"].update({"xx": {"answer": "hi"}}), "translations"),
        (lambda e: e["source"].update({"url": "notaurl"}), "source.url"),
        (lambda e: e["translations"]["ko"].update({"answer": "가" * 3001}), "translations.ko.answer"),
    ],
)
def test_invalid_save_is_refused_naming_the_field(app_env, change, field):
    client, runtime, tokens = app_env
    before = runtime.editorial.state("phone-plan").head_revision
    entry = copy.deepcopy(client.get("/v1/editor/entries/phone-plan", headers=h(tokens["editor"])).json()["draft"])
    change(entry)
    r = client.put("/v1/editor/entries/phone-plan", headers=h(tokens["editor"]), json={"entry": entry})
    assert r.status_code == 422 and r.json()["code"] == "invalid_entry" and field in r.json()["message"]
    assert runtime.editorial.state("phone-plan").head_revision == before


def test_duplicate_id_is_a_conflict(app_env):
    client, runtime, tokens = app_env
    entry = client.get("/v1/editor/entries/phone-plan", headers=h(tokens["editor"])).json()["draft"]
    r = client.post("/v1/editor/entries", headers=h(tokens["editor"]), json={"entry": entry})
    assert r.status_code == 409 and r.json()["code"] == "duplicate_id"


def test_new_entry_from_a_gap_and_resolve_it(app_env):
    client, runtime, tokens = app_env
    for text in ("강아지 광견병 주사 어디서 맞아요?", "Where can my dog get a rabies shot?", "Chó tiêm phòng dại ở đâu?"):
        client.post("/v1/ask", json={"text": text})
    report = client.get("/v1/editor/gaps", headers=h(tokens["editor"])).json()
    assert report and sum(g["count"] for g in report) >= 3
    gap = next(g for g in report if any("광견병" in e or "rabies" in e for e in g["examples"]))
    entry = copy.deepcopy(runtime.editorial.revision_data("phone-plan", 1))
    entry["id"] = "pet-vaccination"
    entry["translations"]["en"]["question"] = "Where can my dog get a rabies vaccination?"
    created = client.post("/v1/editor/entries", headers=h(tokens["editor"]), json={"entry": entry})
    assert created.status_code == 201
    r = client.post(f"/v1/editor/gaps/{gap['gap_id']}/resolve", headers=h(tokens["editor"]),
                    json={"entry_id": "pet-vaccination"})
    assert r.status_code == 200 and r.json()["questions_resolved"] == gap["count"]
    resolved = client.get("/v1/editor/gaps/resolved", headers=h(tokens["editor"])).json()
    assert resolved[0]["entry_id"] == "pet-vaccination"


def test_review_required_by_configuration(app_env):
    client, runtime, tokens = app_env
    runtime.settings.require_review = True
    try:
        entry = copy.deepcopy(client.get("/v1/editor/entries/phone-plan", headers=h(tokens["editor"])).json()["draft"])
        entry["tags"] = ["phone", "reviewed-change"]
        client.put("/v1/editor/entries/phone-plan", headers=h(tokens["editor"]), json={"entry": entry})
        r = client.post("/v1/editor/entries/phone-plan/publish", headers=h(tokens["editor"]))
        assert r.status_code == 409 and r.json()["code"] == "review_required"
        state = client.get("/v1/editor/entries/phone-plan", headers=h(tokens["second"])).json()
        assert state["head_author_name"] == "eddie" and state["head_author"].startswith("user:")  # named
        history = client.get("/v1/editor/entries/phone-plan/revisions", headers=h(tokens["second"])).json()
        assert history[-1]["author_name"] == "eddie" and history[0]["author_name"] is None  # seeded by import
        assert client.post("/v1/editor/entries/phone-plan/review", headers=h(tokens["editor"])).status_code == 409
        assert client.post("/v1/editor/entries/phone-plan/review", headers=h(tokens["second"])).status_code == 200
        assert client.post("/v1/editor/entries/phone-plan/publish", headers=h(tokens["editor"])).status_code == 200
    finally:
        runtime.settings.require_review = False


def test_translation_status_lists(app_env):
    """`missing` names exactly the published entries without a variant in that language, for every language."""
    client, runtime, tokens = app_env
    from migrant_desk.languages import SUPPORTED_LANGUAGES

    for lang in SUPPORTED_LANGUAGES:
        r = client.get(f"/v1/editor/translations/{lang}", headers=h(tokens["editor"])).json()
        assert set(r) == {"lang", "stale", "machine", "missing"}
        published = runtime.service.entries.values()
        assert {e.id for e in published if lang not in e.translations} <= set(r["missing"]), lang
        assert not {e.id for e in published if lang in e.translations} & set(r["missing"]), lang


def test_only_editors_and_admins(app_env):
    client, runtime, tokens = app_env
    assert client.get("/v1/editor/entries").status_code == 401
    assert client.get("/v1/editor/entries", headers=h(tokens["counselor"])).status_code == 403
    assert client.get("/v1/editor/entries", headers=h(tokens["editor"])).status_code == 200


def test_a_handoff_question_reaches_the_gap_report(app_env):
    client, runtime, tokens = app_env
    r = client.post("/v1/handoff", json={
        "conversation_id": f"gap-{uuid.uuid4().hex}", "lang": "en", "consent": True,
        "transcript": [{"role": "migrant", "text": "Can my employer deduct my phone bill from my wages?"},
                       {"role": "bot", "text": "I'm not sure."}]})
    assert r.status_code == 201, r.text
    report = client.get("/v1/editor/gaps", headers=h(tokens["editor"])).json()
    group = next(g for g in report if "Can my employer deduct my phone bill from my wages?" in g["examples"])
    assert group["outcomes"].get("handoff", 0) >= 1


def test_word_diff_marks_only_the_changed_words_and_keeps_letters_whole():
    from migrant_desk.editorial.worddiff import entry_diff, word_diff

    parts = word_diff("Thẻ thường được cấp sau vài tuần.", "Thẻ thường được cấp sau khoảng 3 tuần.")
    assert [(p.op, p.text) for p in parts if p.op != "same"] == [("removed", "vài"), ("added", "khoảng 3")]
    # Thai has no spaces: a change is a few letters, each with its vowel and tone marks attached
    thai = word_diff("ต้องต่ออายุวีซ่า", "ต้องต่ออายุบัตร")
    assert "".join(p.text for p in thai if p.op != "added") == "ต้องต่ออายุวีซ่า"
    assert all(not p.text[0] in "\u0e48\u0e49\u0e35\u0e48" for p in thai if p.op != "same")
    # decomposed input (e + combining marks) is compared as the composed letter
    assert [p.op for p in word_diff("Vie\u0302\u0323t", "Việt")] == ["same"]
    fields = entry_diff({"tags": ["a", "b"], "translations": {"vi": {"answer": "x y"}}},
                        {"tags": ["a", "c"], "translations": {"vi": {"answer": "x y"}, "en": {"answer": "z"}}})
    assert [(f.path, f.change) for f in fields] == [("tags", "changed"), ("translations.en.answer", "added")]


def test_health_and_languages_follow_a_publish(app_env):
    """/healthz and /v1/languages read the snapshot the ask path answers from: after a publish they report the
    new build and the new entries, and after an archive (another publish) the entry is gone again."""
    client, runtime, tokens = app_env
    before, langs_before = client.get("/healthz").json(), {l["code"]: l["entries"] for l in
                                                             client.get("/v1/languages").json()}
    entry = copy.deepcopy(runtime.editorial.revision_data("phone-plan", 1))
    entry["id"] = "healthz-probe"
    entry["translations"] = {code: entry["translations"][code] for code in ("en", "ko")}
    entry["translations"]["en"]["question"] = f"Which build answers this probe {uuid.uuid4().hex[:8]}?"
    assert client.post("/v1/editor/entries", headers=h(tokens["editor"]), json={"entry": entry}).status_code == 201
    published = client.post("/v1/editor/entries/healthz-probe/publish", headers=h(tokens["editor"])).json()
    after = client.get("/healthz").json()
    assert after["index_build"] == published["build_id"] != before["index_build"]
    assert after["entries"] == before["entries"] + 1 == published["entries"]
    assert after["vectors"] == published["vectors"] > before["vectors"]
    langs = {l["code"]: l["entries"] for l in client.get("/v1/languages").json()}
    assert langs["en"] == langs_before["en"] + 1 and langs["ko"] == langs_before["ko"] + 1
    assert langs["vi"] == langs_before["vi"]  # the probe has no Vietnamese variant
    assert client.get("/v1/entries/healthz-probe").status_code == 200
    archived = client.post("/v1/editor/entries/healthz-probe/archive", headers=h(tokens["editor"])).json()
    again = client.get("/healthz").json()
    assert again["index_build"] == archived["build_id"] and again["entries"] == before["entries"]
    assert client.get("/v1/entries/healthz-probe").status_code == 404
