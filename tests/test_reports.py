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


@pytest.fixture
def env(tmp_path, cache_dir):
    kb = tmp_path / "kb"
    kb.mkdir()
    write_entry(kb, "alpha", category="residence")
    runtime = start(Settings(kb_path=kb, index_dir=tmp_path / "idx", db_path=tmp_path / "db.sqlite",
                             cache_dir=cache_dir, translation_dir=tmp_path / "tr"))
    _, token = auth.create_user(runtime.store.db, "reporter", "editor")
    with TestClient(create_app(runtime=runtime)) as client:
        yield client, runtime, {"authorization": f"Bearer {token}"}


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
    cols = {c.name for c in runtime.store.db["daily_outcomes"].columns}
    assert cols == {"day", "lang", "category", "outcome", "count"}  # no text, nothing about a person
    cli = subprocess.run([sys.executable, "-m", "migrant_desk.cli", "report", "--since", today, "--format", "csv",
                          "--db", str(tmp_path / "db.sqlite")], capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0, cli.stderr
    assert cli.stdout == client.get("/v1/reports/outcomes.csv", headers=headers).text
    bad = subprocess.run([sys.executable, "-m", "migrant_desk.cli", "report", "--since", "yesterday"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr
