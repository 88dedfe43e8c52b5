"""Issue 12: floods of bad requests and maximum-size handoffs beside normal clients. The normal clients keep
getting answers (≥ 99%), the attackers get 4xx, and the database grows only within the handoff limit."""

import pytest

from tests.abuse_load import run, summary
from tests.server import running_server

pytestmark = pytest.mark.slow
LIMITS = {"MIGRANT_DESK_ASK_BURST": "60", "MIGRANT_DESK_ASK_PER_MINUTE": "120", "MIGRANT_DESK_HANDOFF_BURST": "5",
          "MIGRANT_DESK_HANDOFF_PER_HOUR": "10"}  # the defaults: conftest raises them for the other tests


def test_abusers_do_not_harm_normal_clients_or_fill_the_database(tmp_path):
    with running_server(tmp_path, LIMITS) as server:
        import sqlite3

        def tickets():
            return sqlite3.connect(server.db_path).execute("SELECT COUNT(*) FROM tickets").fetchone()[0]

        before_tickets, before_size = tickets(), server.db_path.stat().st_size
        good, bad = run(server.base, seconds=12, normal=4, attackers=2, attacks_each=400)
        s = summary(good)
        print("normal clients under attack:", s, "attackers:", bad.statuses)
        assert s["requests"] >= 20 and s["success"] >= 0.99, (s, good.statuses)
        assert not any(code >= 500 or code == 0 for code in bad.statuses), bad.statuses
        assert bad.statuses.get(429, 0) > 0 and bad.statuses.get(413, 0) > 0 and bad.statuses.get(422, 0) > 0
        created = tickets() - before_tickets
        assert created <= 2 * 5 + 2  # at most the burst per attacker address (+ refill during the run)
        assert server.db_path.stat().st_size - before_size < (created + 1) * 1_000_000
