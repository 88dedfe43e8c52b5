"""The lifecycle: new → assigned → waiting_on_migrant ⇄ open → resolved → closed, reopen within the window,
refusals with clear messages, and an event (who, when, from, to) for every change."""

import pytest

from migrant_desk.tickets import lifecycle
from migrant_desk.http_errors import status_of
from migrant_desk.tickets.service import TicketError
from tests.ticket_helpers import add_user, make_service, open_ticket


@pytest.fixture
def desk(database_url):
    service = make_service(database_url, reopen_window_days=7)
    counselor, _ = add_user(service, "kim", languages=("vi", "ko"))
    return service, counselor


def statuses(service, ticket_id):
    return [(e["from_value"], e["to_value"]) for e in service.tickets.events(ticket_id) if e["action"] == "status"]


def test_full_path_records_every_change(desk):
    service, kim = desk
    ticket, _ = open_ticket(service, "c1")
    assert ticket["status"] == "new"
    service.claim_next(kim)
    service.clock.advance(minutes=5)
    service.add_counselor_message(ticket["id"], kim, "Chào bạn, bạn cần giúp gì?", "vi")
    service.add_migrant_message(ticket["id"], "Công ty chưa trả lương tháng 10.")
    service.add_counselor_message(ticket["id"], kim, "Bạn hãy gọi 1350.", "vi")
    service.add_migrant_message(ticket["id"], "Cảm ơn.")
    service.set_status(ticket["id"], "resolved", kim)
    service.clock.advance(days=8)
    assert service.close_expired() == [ticket["id"]]
    assert statuses(service, ticket["id"]) == [
        ("new", "assigned"), ("assigned", "waiting_on_migrant"), ("waiting_on_migrant", "open"),
        ("open", "waiting_on_migrant"), ("waiting_on_migrant", "open"), ("open", "resolved"),
        ("resolved", "closed")]
    events = service.tickets.events(ticket["id"])
    actors = {(e["action"], e["to_value"]): e["actor"] for e in events if e["action"] == "status"}
    assert actors[("status", "assigned")] == f"user:{kim.id}"
    assert actors[("status", "open")] == "migrant"
    assert actors[("status", "closed")] == "system"
    assert all(e["at"] for e in events) and [e["at"] for e in events] == sorted(e["at"] for e in events)
    final = service.get(ticket["id"])
    assert final["status"] == "closed" and final["closed_at"] and final["resolved_at"]


@pytest.mark.parametrize("target", ["resolved", "waiting_on_migrant", "open", "closed"])
def test_queued_ticket_cannot_skip_assignment(desk, target):
    service, kim = desk
    ticket, _ = open_ticket(service, "c1")
    admin, _ = add_user(service, "boss", role="admin", languages=())
    with pytest.raises(TicketError) as refused:
        service.set_status(ticket["id"], target, admin)
    assert status_of(refused.value.code) == 409 and refused.value.code == "invalid_transition"
    assert f"from new to {target}" in refused.value.message and "allowed from new: assigned" in refused.value.message
    assert service.get(ticket["id"])["status"] == "new" and statuses(service, ticket["id"]) == []


def test_closed_is_final_and_refuses_the_migrant_in_their_language(desk):
    service, kim = desk
    ticket, _ = open_ticket(service, "c1", lang="th")
    service.claim_next(kim)
    service.set_status(ticket["id"], "resolved", kim)
    service.set_status(ticket["id"], "closed", kim)
    with pytest.raises(TicketError) as refused:
        service.set_status(ticket["id"], "open", kim)
    assert refused.value.code == "invalid_transition" and "closed is final" in refused.value.message
    with pytest.raises(TicketError) as refused:
        service.add_migrant_message(ticket["id"], "ยังมีปัญหาอยู่ค่ะ")
    from migrant_desk.messages import message

    assert refused.value.code == "ticket_closed" and refused.value.message == message("ticket_closed", "th")
    assert [m for m in service.tickets.messages(ticket["id"]) if m["author_kind"] == "migrant"] == []


def test_migrant_reopens_within_the_window(desk):
    service, kim = desk
    ticket, _ = open_ticket(service, "c1")
    service.claim_next(kim)
    service.set_status(ticket["id"], "resolved", kim)
    service.clock.advance(days=6, hours=23)
    service.add_migrant_message(ticket["id"], "Tôi vẫn chưa nhận được lương.")
    reopened = service.get(ticket["id"])
    assert reopened["status"] == "open" and reopened["assigned_to"] == kim.id and reopened["resolved_at"] is None
    assert statuses(service, ticket["id"])[-1] == ("resolved", "open")


def test_after_the_window_the_message_is_refused_and_the_ticket_closed(desk):
    service, kim = desk
    ticket, _ = open_ticket(service, "c1")
    service.claim_next(kim)
    service.set_status(ticket["id"], "resolved", kim)
    service.clock.advance(days=7, minutes=1)
    with pytest.raises(TicketError) as refused:
        service.add_migrant_message(ticket["id"], "Còn một câu hỏi nữa.")
    assert refused.value.code == "ticket_closed"
    assert service.get(ticket["id"])["status"] == "closed"
    assert statuses(service, ticket["id"])[-1] == ("resolved", "closed")


def test_reopened_ticket_of_a_departed_counselor_goes_back_to_the_queue(desk):
    service, kim = desk
    ticket, _ = open_ticket(service, "c1")
    service.claim_next(kim)
    service.set_status(ticket["id"], "resolved", kim)
    service.release_all(kim.id, "cli", deactivate=True)  # kim leaves; a resolved ticket is not "held"
    service.add_migrant_message(ticket["id"], "Tôi cần hỏi thêm.")
    reopened = service.get(ticket["id"])
    assert reopened["status"] == "new" and reopened["assigned_to"] is None


def test_counselor_must_claim_before_replying(desk):
    service, kim = desk
    ticket, _ = open_ticket(service, "c1")
    admin, _ = add_user(service, "boss", role="admin", languages=("ko",))
    with pytest.raises(TicketError) as refused:
        service.add_counselor_message(ticket["id"], admin, "안녕하세요")
    assert refused.value.code == "not_assigned" and "claim it" in refused.value.message
    with pytest.raises(TicketError) as refused:
        service.add_counselor_message(ticket["id"], kim, "안녕하세요")
    assert status_of(refused.value.code) == 403 and refused.value.code == "not_your_ticket"


def test_release_returns_the_ticket_to_the_queue_and_reassign_moves_it(desk):
    service, kim = desk
    lee, _ = add_user(service, "lee", languages=("vi",))
    admin, _ = add_user(service, "boss", role="admin", languages=())
    ticket, _ = open_ticket(service, "c1")
    service.claim_next(kim)
    released = service.release(ticket["id"], kim)
    assert released["status"] == "new" and released["assigned_to"] is None
    assert service.claim_next(lee)["id"] == ticket["id"]
    service.add_counselor_message(ticket["id"], lee, "Xin chào", "vi")
    moved = service.assign(ticket["id"], kim, admin)
    assert moved["assigned_to"] == kim.id and moved["status"] == "waiting_on_migrant"
    trail = [(e["action"], e["from_value"], e["to_value"]) for e in service.tickets.events(ticket["id"])
             if e["action"] in ("assigned", "released")]
    assert trail == [("assigned", None, f"user:{kim.id}"), ("released", f"user:{kim.id}", None),
                     ("assigned", None, f"user:{lee.id}"), ("assigned", f"user:{lee.id}", f"user:{kim.id}")]


def test_every_status_has_a_rule_and_only_closed_is_final():
    from migrant_desk.tickets.models import STATUSES

    assert set(lifecycle.TRANSITIONS) == set(STATUSES)
    assert [s for s, nxt in lifecycle.TRANSITIONS.items() if not nxt] == ["closed"]
    for targets in lifecycle.TRANSITIONS.values():
        assert set(targets) <= set(STATUSES)


def test_the_frozen_schema_accepts_exactly_the_statuses_and_roles_the_code_defines(database_url):
    """Statuses and roles are defined once in code (tickets/models.py, users.py); the migrations that created the
    tables keep their own copy in CHECK constraints, which must never drift from it."""
    import re

    from migrant_desk.db import Store
    from migrant_desk.tickets.models import STATUSES
    from migrant_desk.users import ROLES
    from tests.ticket_helpers import INTEGRITY_ERRORS

    store = Store(database_url)

    def allowed(table: str, column: str) -> list[str]:
        """The names the table's CHECK constraint lets `column` take, as the engine keeps the constraint."""
        if store.dialect.name == "sqlite":
            sql = store.db.execute("SELECT sql FROM sqlite_master WHERE name = ?", [table]).fetchone()[0]
            listed = re.search(rf"\b{column} IN \(([^)]*)\)", sql).group(1)
        else:  # PostgreSQL keeps `x IN (...)` as `x = ANY (ARRAY[...])`
            sql = store.db.execute(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = CAST(? AS regclass) "
                "AND contype = 'c' AND conname = ?", [table, f"{table}_{column}_check"]).fetchone()[0]
            listed = re.search(rf"^CHECK \(\({column} = ANY \(ARRAY\[([^\]]*)\]\)\)\)$", sql).group(1)
        return re.findall(r"'(\w+)'", listed)

    assert allowed("tickets", "status") == list(STATUSES)
    assert allowed("users", "role") == list(ROLES)
    with pytest.raises(INTEGRITY_ERRORS):
        store.db.execute("INSERT INTO users (name, role, token_hash, created_at) VALUES ('x', 'boss', 'h', 't')")
