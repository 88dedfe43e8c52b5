import json
from pathlib import Path

from migrant_desk import knowledge_base as kb
from tests.conftest import write_entry


def problems_of(path: Path) -> list[kb.EntryProblem]:
    return kb.load(path).problems


def test_valid_entries_load(tmp_path):
    write_entry(tmp_path, "alpha")
    write_entry(tmp_path, "beta")
    result = kb.load(tmp_path)
    assert [e.id for e in result.entries] == ["alpha", "beta"] and not result.problems


def test_missing_answer_names_file_entry_and_field(tmp_path):
    path = write_entry(tmp_path, "gamma", translations={"en": {"question": "q?", "alternates": []}})
    [problem] = problems_of(tmp_path)
    assert problem.location == str(path)
    assert problem.entry_id == "gamma"
    assert problem.field == "translations.en.answer"
    assert str(path) in str(problem) and "gamma" in str(problem)


def test_unknown_language_code_is_reported(tmp_path):
    write_entry(tmp_path, "delta", translations={"xx": {"answer": "hi"}})
    [problem] = problems_of(tmp_path)
    assert problem.field == "translations" and "xx" in problem.reason


def test_bad_url_and_bad_phone_are_reported(tmp_path):
    write_entry(tmp_path, "eps", source={"title": "t", "url": "not a url"},
                contact={"agency": "a", "phone": "call me"})
    fields = {p.field for p in problems_of(tmp_path)}
    assert {"source.url", "contact.phone"} <= fields


def test_duplicate_ids_in_jsonl_keep_the_first(tmp_path):
    write_entry(tmp_path, "one")
    entry = kb.load(tmp_path).entries[0]
    path = tmp_path / "kb.jsonl"
    line = json.dumps(entry.dump(), ensure_ascii=False)
    path.write_text(line + "\n" + line + "\n{not json\n")
    result = kb.load(path)
    assert [e.id for e in result.entries] == ["one"]
    assert [(p.location, p.field) for p in result.problems] == [(f"{path}:2", "id"), (f"{path}:3", "(file)")]


def test_file_name_must_match_id(tmp_path):
    write_entry(tmp_path, "right")
    (tmp_path / "right.yaml").rename(tmp_path / "wrong.yaml")
    [problem] = problems_of(tmp_path)
    assert problem.field == "id" and "right.yaml" in problem.reason


def test_yaml_syntax_error_is_reported_not_raised(tmp_path):
    (tmp_path / "broken.yaml").write_text("id: [unclosed\n")
    write_entry(tmp_path, "fine")
    result = kb.load(tmp_path)
    assert [e.id for e in result.entries] == ["fine"]
    assert result.problems[0].field == "(file)" and "YAML" in result.problems[0].reason


def test_numeric_tags_are_read_as_text(tmp_path):
    write_entry(tmp_path, "tagged", tags=[1345, "visa"])
    assert kb.load(tmp_path).entries[0].tags == ["1345", "visa"]


def test_jsonl_and_yaml_round_trip(tmp_path, bundled_entries):
    kb.write_jsonl(bundled_entries, tmp_path / "kb.jsonl")
    from_jsonl = kb.load(tmp_path / "kb.jsonl").entries
    kb.write_yaml_dir(from_jsonl, tmp_path / "yaml")
    from_yaml = kb.load(tmp_path / "yaml").entries
    assert kb.content_hash(from_yaml) == kb.content_hash(bundled_entries)


def test_content_hash_changes_with_any_text(tmp_path):
    write_entry(tmp_path, "hashed")
    entries = kb.load(tmp_path).entries
    before = kb.content_hash(entries)
    entries[0].translations["en"].answer = "changed"
    assert kb.content_hash(entries) != before


def test_alternates_and_tags_are_bounded(tmp_path):
    """Issue 12: each alternate is a vector embedded at publish; 5,000 were accepted before."""
    from migrant_desk.knowledge_base import MAX_ALTERNATES, MAX_TAGS, load

    write_entry(tmp_path, "many-alts", translations={
        "en": {"question": "q?", "alternates": [f"a{i}" for i in range(MAX_ALTERNATES + 1)], "answer": "x"},
        "ko": {"question": "질문", "alternates": [], "answer": "답"}})
    write_entry(tmp_path, "many-tags", tags=[f"t{i}" for i in range(MAX_TAGS + 1)])
    write_entry(tmp_path, "fine", tags=["ok"])
    result = load(tmp_path)
    assert [e.id for e in result.entries] == ["fine"]
    fields = {(p.entry_id, p.field) for p in result.problems}
    assert ("many-alts", "translations.en.alternates") in fields and ("many-tags", "tags") in fields
