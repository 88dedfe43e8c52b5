"""The CLI as a user runs it: a real `migrant-desk` process for each command."""

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import BUNDLED_KB, CACHE_DIR, DATA, write_entry


def run(*args, env_extra=None, timeout=600):
    import os

    import tempfile

    # never the repository's var/ database: each command gets a fresh one unless the test names one
    fresh_db = Path(tempfile.mkdtemp()) / "migrant-desk.db"
    env = {**os.environ, "MIGRANT_DESK_CACHE_DIR": str(CACHE_DIR), "MIGRANT_DESK_DB_PATH": str(fresh_db),
           **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "migrant_desk.cli", *args], capture_output=True, text=True,
                          env=env, timeout=timeout)


def test_kb_validate_bundled_knowledge_base_passes():
    r = run("kb", "validate", str(BUNDLED_KB))
    assert r.returncode == 0, r.stderr
    assert "0 problem(s)" in r.stdout


def test_kb_validate_names_file_entry_and_field(tmp_path):
    write_entry(tmp_path, "good")
    bad = write_entry(tmp_path, "bad-entry", source={"title": "x", "url": "nope"})
    r = run("kb", "validate", str(tmp_path))
    assert r.returncode == 1
    assert f"{bad}: entry bad-entry: field source.url:" in r.stderr
    assert "1 valid entries, 1 problem(s)" in r.stdout


def test_kb_validate_missing_path_exit_2(tmp_path):
    r = run("kb", "validate", str(tmp_path / "missing"))
    assert r.returncode == 2 and "not found" in r.stderr


def test_kb_export_jsonl_round_trip(tmp_path):
    out = tmp_path / "kb.jsonl"
    r = run("kb", "export", str(out), "--from", str(BUNDLED_KB))
    assert r.returncode == 0, r.stderr
    assert len(out.read_text().splitlines()) == len(list(BUNDLED_KB.glob("*.yaml")))
    assert run("kb", "validate", str(out)).returncode == 0


def test_eval_contract(tmp_path):
    """Throwaway index, one ranking line per query, summary JSON; the serving index is not touched."""
    queries = tmp_path / "q.jsonl"
    lines = [
        {"id": "q1", "text": "퇴직금은 언제 받을 수 있나요", "lang": "ko", "expected": "severance-pay"},
        {"id": "q2", "text": "Lương tối thiểu năm nay là bao nhiêu", "lang": "vi", "expected": "minimum-wage"},
        {"id": "q3", "text": "best pizza in itaewon", "expected": None},
        {"id": "q4", "text": "집주인이 보증금을 안 돌려줘요", "lang": "ko", "expected": ["deposit-not-returned", "lease-contract"]},
    ]
    queries.write_text("\n".join(json.dumps(l, ensure_ascii=False) for l in lines) + "\n")
    rankings = tmp_path / "r.jsonl"
    index_dir = tmp_path / "serving"
    r = run("eval", "--kb", str(BUNDLED_KB), "--queries", str(queries), "--rankings", str(rankings), "--json",
            env_extra={"MIGRANT_DESK_INDEX_DIR": str(index_dir)})
    assert r.returncode == 0, r.stderr
    out = [json.loads(l) for l in rankings.read_text().splitlines()]
    assert [o["id"] for o in out] == ["q1", "q2", "q3", "q4"]
    for o in out:
        assert set(o) == {"id", "ranking", "abstained", "band"} and 1 <= len(o["ranking"]) <= 10
        assert o["band"] in {"high", "medium", "low"} and o["abstained"] == (o["band"] == "low")
        assert all(set(e) == {"id", "score"} for e in o["ranking"])
        assert [e["score"] for e in o["ranking"]] == sorted((e["score"] for e in o["ranking"]), reverse=True)
    summary = json.loads(r.stdout)
    assert summary["overall"]["queries"] == 4 and summary["overall"]["answerable"] == 3
    assert summary["per_language"]["ko"]["recall@1"] == 1.0  # q4's top entry is one of its two right answers
    assert set(summary["per_language"]) == {"ko", "vi", "?"}
    for figure in ("answer_accuracy", "false_abstention", "wrong_shown", "abstention_rate"):
        assert figure in summary["overall"]
    assert not index_dir.exists()
    table = run("eval", "--kb", str(BUNDLED_KB), "--queries", str(queries), "--split", "all")
    assert table.returncode == 0, table.stderr
    assert "| all | 4 |" in table.stdout and "false abst." in table.stdout and "| ko | 2 |" in table.stdout


def test_eval_rejects_bad_query_file(tmp_path):
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"id": "q1", "expected": null}\n')
    r = run("eval", "--kb", str(BUNDLED_KB), "--queries", str(queries))
    assert r.returncode == 2 and f"{queries}:1" in r.stderr and "text" in r.stderr


def test_ask_json(tmp_path):
    r = run("ask", "외국인등록증은 어디서 만들어요?", "--json",
            env_extra={"MIGRANT_DESK_INDEX_DIR": str(tmp_path)})
    assert r.returncode == 0, r.stderr
    body = json.loads(r.stdout)
    assert body["answer"]["id"] == "arc-registration"


def test_ask_unknown_language(tmp_path):
    r = run("ask", "hello", "--lang", "xx")
    assert r.returncode == 2 and "unknown language code 'xx'" in r.stderr


def test_dev_queries_file_is_in_eval_format():
    from migrant_desk.evaluation import read_queries

    queries = read_queries(DATA / "dev_queries.jsonl")
    tune = read_queries(DATA / "dev_queries.jsonl", "tune")
    report = read_queries(DATA / "dev_queries.jsonl", "report")
    assert len(tune) + len(report) == len(queries)
    assert not {q.id for q in tune} & {q.id for q in report}


def test_kb_import_export_import_round_trip_changes_nothing(tmp_path):
    database = tmp_path / "kb.db"
    env = {"MIGRANT_DESK_DB_PATH": str(database)}
    first = run("kb", "import", str(BUNDLED_KB), env_extra=env)
    assert first.returncode == 0, first.stderr
    assert '"created": %d' % len(list(BUNDLED_KB.glob("*.yaml"))) in first.stdout
    out = tmp_path / "exported"
    assert run("kb", "export", str(out), env_extra=env).returncode == 0
    again = run("kb", "import", str(out), env_extra=env)
    assert again.returncode == 0 and '"created": 0, "updated": 0' in again.stdout
    for path in BUNDLED_KB.glob("*.yaml"):
        from migrant_desk import knowledge_base

        assert knowledge_base.load(out / path.name).entries == knowledge_base.load(path).entries


def test_kb_import_refuses_an_invalid_file_and_imports_nothing(tmp_path):
    database = tmp_path / "kb.db"
    env = {"MIGRANT_DESK_DB_PATH": str(database)}
    (tmp_path / "v1").mkdir()
    write_entry(tmp_path / "v1", "good")
    assert run("kb", "import", str(tmp_path / "v1"), env_extra=env).returncode == 0
    (tmp_path / "v2").mkdir()
    write_entry(tmp_path / "v2", "good", tags=["changed"])
    write_entry(tmp_path / "v2", "bad-one", translations={"en": {"question": "q"}})
    r = run("kb", "import", str(tmp_path / "v2"), env_extra=env)
    assert r.returncode == 1 and "bad-one" in r.stderr and "nothing was imported" in r.stderr
    from migrant_desk import db

    conn = db.connect(database)
    assert [row[0] for row in conn.execute("SELECT id FROM kb_entries")] == ["good"]
    assert conn.execute("SELECT COUNT(*) FROM kb_revisions").fetchone()[0] == 1
