"""The content-gap report: logging (redacted), grouping by meaning across languages, resolving."""

import itertools
import json

import pytest

from migrant_desk import db
from migrant_desk.editorial import gaps
from tests.conftest import DATA


@pytest.fixture(scope="module")
def labelled(embedder):
    rows = [json.loads(line) for line in (DATA / "gap_questions.jsonl").read_text().splitlines()]
    return rows, embedder.embed([r["text"] for r in rows], "query")


def pairwise_f1(truth, labels):
    tp = fp = fn = 0
    for i, j in itertools.combinations(range(len(truth)), 2):
        same_t, same_p = truth[i] == truth[j], labels[i] == labels[j]
        tp += same_t and same_p
        fp += same_p and not same_t
        fn += same_t and not same_p
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    return 2 * precision * recall / (precision + recall)


def test_grouping_on_the_labelled_set(labelled):
    """36 questions, 6 topics, 5 languages. Measured pairwise F1 at the shipped cut-off: 0.788."""
    rows, vectors = labelled
    labels = gaps.cluster(vectors)
    assert pairwise_f1([r["group"] for r in rows], labels) >= 0.75
    assert 5 <= len(set(labels)) <= 9
    # the same question in different languages lands in one group for most topics
    by_topic = {}
    for r, label in zip(rows, labels):
        by_topic.setdefault(r["group"], []).append(label)
    majority = sum(max(ls.count(x) for x in ls) >= 4 for ls in by_topic.values())
    assert majority >= 5


def test_report_counts_languages_and_examples_and_redacts(database_url, labelled):
    rows, vectors = labelled
    database = db.Store(database_url).db
    for r, v in zip(rows, vectors):
        gaps.log_question(database, r["text"], r["lang"], "abstained", v, top_entry="x", confidence=0.2)
    gaps.log_question(database, "call me at 010-1234-5678 about my dog's rabies shot", "en", "handoff",
                      vectors[18])
    report = gaps.report(database)
    assert sum(g.count for g in report) == len(rows) + 1
    assert [g.count for g in report] == sorted((g.count for g in report), reverse=True)
    top = report[0]
    assert sum(top.languages.values()) == top.count and len(top.examples) <= 3
    stored = [r[0] for r in database.execute("SELECT text FROM question_log WHERE outcome = 'handoff'")]
    assert "010-1234-5678" not in stored[0]


def test_resolving_a_gap_takes_its_group_off_the_open_list(database_url, labelled):
    rows, vectors = labelled
    database = db.Store(database_url).db
    for r, v in zip(rows, vectors):
        gaps.log_question(database, r["text"], r["lang"], "abstained", v)
    before = gaps.report(database)
    target = before[0]
    assert gaps.resolve(database, target.gap_id, "new-entry") == target.count
    after = gaps.report(database)
    assert sum(g.count for g in after) == sum(g.count for g in before) - target.count
    assert gaps.resolved_summary(database)[0]["entry_id"] == "new-entry"
    with pytest.raises(KeyError):
        gaps.resolve(database, target.gap_id, "new-entry")


def test_the_gap_log_keeps_its_retention_and_size(database_url):
    """Issue 12/13: old questions are deleted after the retention, and only the newest max_rows are kept."""
    import numpy as np

    from migrant_desk import db as dbmod
    from migrant_desk.editorial import gaps

    store = dbmod.Store(database_url)
    dbmod.migrate(store.db)
    vector = np.ones(4, dtype=np.float32)
    old_id = gaps.log_question(store.db, "old question 010-1234-5678", "ko", "abstained", vector)
    store.db.execute("UPDATE question_log SET created_at = '2020-01-01T00:00:00+00:00' WHERE id = ?", [old_id])
    for i in range(150):
        gaps.log_question(store.db, f"question {i}", "en", "abstained", vector)
    assert "010-1234-5678" not in store.db.execute("SELECT text FROM question_log WHERE id = ?", [old_id]).fetchone()[0]
    removed = gaps.prune(store.db, retention_days=90, max_rows=100)
    assert removed == 51
    ids = [r[0] for r in store.db.execute("SELECT id FROM question_log ORDER BY id")]
    assert len(ids) == 100 and old_id not in ids and ids[-1] == old_id + 150
