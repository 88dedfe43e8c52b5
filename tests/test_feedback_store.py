"""The migrants' yes/no under an answer, stored and summarised, on both engines (feedback/store.py)."""

import pytest

from migrant_desk import db
from migrant_desk.feedback.store import record, summary


def test_the_summary_counts_each_band_and_ranks_the_entries_said_no_to(database_url):
    database = db.Store(database_url).db
    assert summary(database).bands["medium"].precision is None  # nothing said yet: no made-up number
    for entry_id, lang, band, helpful in [
        ("arc-registration", "vi", "medium", False), ("arc-registration", "vi", "medium", False),
        ("arc-registration", "th", "medium", False), ("arc-registration", "vi", "medium", True),
        ("severance-pay", "en", "high", True), ("severance-pay", "en", "high", True),
        ("severance-pay", "ko", "high", False), ("minimum-wage", "ne", "medium", True),
    ]:
        record(database, lang, entry_id, band, helpful)
    got = summary(database)
    assert (got.bands["medium"].yes, got.bands["medium"].no) == (2, 3)
    assert got.bands["medium"].precision == pytest.approx(0.4)
    assert (got.bands["high"].yes, got.bands["high"].no) == (2, 1)
    assert got.bands["high"].precision == pytest.approx(0.6667)
    assert got.most_said_no == [{"entry_id": "arc-registration", "no": 3, "languages": {"vi": 2, "th": 1}},
                                {"entry_id": "severance-pay", "no": 1, "languages": {"ko": 1}}]
    columns = {c[0] for c in database.execute("SELECT * FROM answer_feedback LIMIT 0").description}
    assert columns == {"id", "day", "lang", "entry_id", "band", "helpful"}  # nothing that identifies a person
