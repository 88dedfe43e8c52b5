"""Issue 16: counted, not stored — the daily outcome counts equal a scripted run, the CSV matches the JSON, the
CLI prints the same rows, and the table holds counts only."""

import csv
import datetime as dt
import io
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from migrant_desk import auth
from migrant_desk.api import create_app
from migrant_desk.config import Settings
from migrant_desk.runtime import start
from tests.conftest import write_entry


def serve(kb, tmp_path, cache_dir, database_url):
    """(client, runtime, editor headers) for a desk on the knowledge base `kb`, with its own database."""
    runtime = start(Settings(kb_path=kb, index_dir=tmp_path / "idx", database_url=database_url,
                             cache_dir=cache_dir, translation_dir=tmp_path / "tr"))
    _, token = auth.create_user(runtime.store.db, "reporter", "editor")
    with TestClient(create_app(runtime=runtime)) as client:
        yield client, runtime, {"authorization": f"Bearer {token}"}


@pytest.fixture
def env(tmp_path, cache_dir, database_url):
    kb = tmp_path / "kb"
    kb.mkdir()
    write_entry(kb, "alpha", category="residence")
    yield from serve(kb, tmp_path, cache_dir, database_url)


def test_counts_equal_what_was_done_and_csv_matches(env, tmp_path):
    client, runtime, headers = env
    shown = []
    for text in ("What is alpha?", "hi", "감사합니다", "best pizza in itaewon"):
        body = client.post("/v1/ask", json={"text": text, "lang": "en"}).json()
        kind = body["kind"]
        outcome = kind if kind in ("greeting", "thanks", "not_sure") else body["confidence"]
        shown.append(("en", body["answer"]["category"] if body["answer"] else "", outcome))
    r = client.post("/v1/handoff", json={"conversation_id": "rep-1", "lang": "vi", "consent": True,
                                         "category": "work", "transcript": [{"role": "migrant", "text": "help"}]})
    assert r.status_code == 201
    shown.append(("vi", "work", "handed_off"))
    assert client.get("/v1/reports/outcomes").status_code == 401
    rows = client.get("/v1/reports/outcomes", headers=headers).json()
    today = dt.date.today().isoformat()
    got = {(r["lang"], r["category"], r["outcome"]): r["count"] for r in rows if r["day"] == today}
    expected = {}
    for key in shown:
        expected[key] = expected.get(key, 0) + 1
    assert got == expected
    csv_rows = list(csv.DictReader(io.StringIO(client.get("/v1/reports/outcomes.csv", headers=headers).text)))
    assert [(r["day"], r["lang"], r["category"], r["outcome"], int(r["count"])) for r in csv_rows] == \
        [(r["day"], r["lang"], r["category"], r["outcome"], r["count"]) for r in rows]
    cols = {c[0] for c in runtime.store.db.execute("SELECT * FROM daily_outcomes LIMIT 0").description}
    assert cols == {"day", "lang", "category", "outcome", "count"}  # no text, nothing about a person
    cli = subprocess.run([sys.executable, "-m", "migrant_desk.cli", "report", "--since", today, "--format", "csv",
                          "--db", runtime.settings.database], capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0, cli.stderr
    assert cli.stdout == client.get("/v1/reports/outcomes.csv", headers=headers).text
    bad = subprocess.run([sys.executable, "-m", "migrant_desk.cli", "report", "--since", "yesterday"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def desk(tmp_path, cache_dir, database_url):
    """A desk on 24 bundled entries: the calibrated gate answers with confidence only among enough entries (on
    four, every score is centred away)."""
    import shutil

    from tests.conftest import BUNDLED_KB

    kb = tmp_path / "kb"
    kb.mkdir()
    others = sorted(p.name for p in BUNDLED_KB.glob("*.yaml") if p.name != "severance-pay.yaml")[:23]
    for name in ["severance-pay.yaml", *others]:
        shutil.copy(BUNDLED_KB / name, kb)
    yield from serve(kb, tmp_path, cache_dir, database_url)


def test_charts_after_a_day_of_traffic_match_what_was_done(desk, tmp_path):
    """Asks, feedback, a handoff answered by a counselor and a publish; every chart's table says exactly that,
    its CSV holds the same rows, its SVG is well-formed with a title, and the labels come in the asked language."""
    import xml.etree.ElementTree as ET

    from migrant_desk.messages import message

    client, runtime, headers = desk
    _, counselor = auth.create_user(runtime.store.db, "counsel", "counselor", ["vi", "en"])
    staff = {"authorization": f"Bearer {counselor}"}
    kinds = [client.post("/v1/ask", json={"text": t, "lang": "en"}).json()
             for t in ("I'm quitting my job. Can I get severance pay as a foreign worker?",
                       "severance pay korea foreigner", "best pizza in itaewon")]
    answered = [k for k in kinds if k["answer"]]
    assert answered, kinds
    client.post("/v1/feedback", json={"entry_id": "severance-pay", "lang": "en", "band": answered[0]["confidence"],
                                      "helpful": True})
    ticket = client.post("/v1/handoff", json={"conversation_id": "day-1", "lang": "vi", "consent": True,
                                              "transcript": [{"role": "migrant", "text": "xin giúp"}]}).json()
    assert client.post("/v1/tickets/claim-next", headers=staff).status_code == 200
    assert client.post(f"/v1/tickets/{ticket['ticket_id']}/messages", headers=staff,
                       json={"text": "Xin chào, tôi có thể giúp gì?"}).status_code == 200
    draft = client.get("/v1/editor/entries/severance-pay", headers=headers).json()["draft"]
    draft["tags"] = [*draft["tags"], "retirement allowance"]
    assert client.put("/v1/editor/entries/severance-pay", headers=headers, json={"entry": draft}).status_code == 200
    assert client.post("/v1/editor/entries/severance-pay/publish", headers=headers).status_code == 200
    scraped = client.get("/metrics").text
    assert "migrant_desk_publish_seconds_count 1.0" in scraped  # the publish, timed

    assert client.get("/v1/reports/charts").status_code == 401
    charts = {c["id"]: c for c in client.get("/v1/reports/charts?lang=ko", headers=headers).json()}
    assert set(charts) == {"questions-per-day", "outcomes-by-language", "outcomes-by-category", "handoffs-sla",
                           "content-gaps", "publish-effect"}
    assert charts["handoffs-sla"]["title"] == message("report_chart_handoffs_sla", "ko")

    by_lang = {row[0]: dict(zip(charts["outcomes-by-language"]["table"]["columns"], row))
               for row in charts["outcomes-by-language"]["table"]["rows"]}
    high = sum(k["confidence"] == "high" and k["kind"] == "answer" for k in kinds)
    assert by_lang["en"]["total"] == 3 and by_lang["en"]["high"] == high
    assert by_lang["vi"]["handed_off"] == 1
    today_row = charts["questions-per-day"]["table"]["rows"][-1]
    assert today_row[0] == dt.date.today().isoformat() and today_row[-1] == 3  # handoffs are not questions

    sla = [dict(zip(charts["handoffs-sla"]["table"]["columns"], r)) for r in charts["handoffs-sla"]["table"]["rows"]]
    assert sla == [{"team": "-", "language": "vi", "handoffs": 1, "first_response_met": 1,
                    "first_response_missed": 0, "pending": 0, "median_first_response_minutes": sla[0][
                        "median_first_response_minutes"], "resolution_met": 0, "resolution_missed": 0}]
    published = charts["publish-effect"]["table"]["rows"]
    assert [r[0] for r in published] == ["severance-pay"] and published[0][1] == 2  # revision 2 went live today
    effect = dict(zip(charts["publish-effect"]["table"]["columns"], published[0]))
    # the asks and the "yes" came before the publish, on the same day: the "after" window starts that day
    assert effect["answers_per_day_after"] == len(answered) and effect["feedback_yes_share_after"] == 100.0

    for chart_id, chart in charts.items():
        root = ET.fromstring(chart["svg"])
        assert root.tag.endswith("svg") and root.find("{http://www.w3.org/2000/svg}title").text == chart["title"]
        got = client.get(f"/v1/reports/{chart_id}.csv", headers=headers)
        assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
        rows = _csv_rows(got.text)
        assert rows[0] == chart["table"]["columns"]
        assert rows[1:] == [["" if v is None else str(v) for v in row] for row in chart["table"]["rows"]]
    cli = subprocess.run([sys.executable, "-m", "migrant_desk.cli", "report", "--since",
                          (dt.date.today() - dt.timedelta(days=30)).isoformat(), "--chart", "handoffs-sla",
                          "--db", runtime.settings.database], capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0, cli.stderr
    assert cli.stdout == client.get("/v1/reports/handoffs-sla.csv", headers=headers).text

    assert client.get("/v1/reports/nope.csv", headers=headers).json()["code"] == "chart_not_found"
    backwards = client.get("/v1/reports/charts?since=2026-02-01&until=2026-01-01", headers=headers)
    assert backwards.status_code == 422 and backwards.json()["code"] == "invalid_range"
    page = client.get("/reports?lang=vi")
    assert page.status_code == 200 and message("report_page_title", "vi") in page.text
    assert 'lang="vi"' in page.text
