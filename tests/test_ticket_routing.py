"""claim-next order: a language the counselor speaks, then priority, then first-response due time, then age;
teams, capacity, the spill-over of other counselors' languages, and languages nobody speaks."""

import pytest

from migrant_desk import auth
from migrant_desk.clock import iso
from migrant_desk.http_errors import status_of
from migrant_desk.tickets.service import TicketError
from tests.ticket_helpers import add_user, make_service, open_ticket


@pytest.fixture
def service(database_url):
    service = make_service(database_url, spill_after_minutes=30)
    add_user(service, "triage", role="admin", languages=())  # sets priorities; speaks nothing, so routes nothing
    return service


def handoff(service, conversation, lang, priority=None, team=None):
    service.clock.advance(minutes=1)
    ticket, _ = open_ticket(service, conversation, lang=lang, team=team)
    if priority:
        service.patch(ticket["id"], {"priority": priority}, auth.find_user(service.tickets.db, "triage"))
    return ticket["id"]


def claims(service, user, n):
    return [service.claim_next(user)["id"] for _ in range(n)]


def test_language_first_then_priority_then_due_time_then_age(service):
    vi_counselor, _ = add_user(service, "vi-speaker", languages=("vi",), capacity=10)
    add_user(service, "ko-speaker", languages=("ko",))
    ko_urgent = handoff(service, "k1", "ko", priority="urgent")
    vi_old_normal = handoff(service, "v1", "vi")
    vi_low = handoff(service, "v2", "vi", priority="low")
    vi_high = handoff(service, "v3", "vi", priority="high")
    vi_new_normal = handoff(service, "v4", "vi")
    # the Korean urgent ticket is the oldest and most urgent, but a Korean speaker exists and 30 min have not passed
    assert claims(service, vi_counselor, 4) == [vi_high, vi_old_normal, vi_new_normal, vi_low]
    assert service.claim_next(vi_counselor) is None
    assert service.get(ko_urgent)["status"] == "new"


def test_due_time_breaks_ties_before_age(service):
    counselor, _ = add_user(service, "c", languages=("vi",))
    older = handoff(service, "v1", "vi")
    newer = handoff(service, "v2", "vi")
    # same priority, but the newer ticket's first response is due sooner (e.g. a deployer's changed SLA)
    with service.tickets.transaction() as d:
        d.execute("UPDATE tickets SET first_response_due = '2026-11-02T09:30:00.000000Z' WHERE id = ?", [newer])
    assert claims(service, counselor, 2) == [newer, older]


def test_a_language_nobody_speaks_is_served_and_flagged(service):
    counselor, _ = add_user(service, "c", languages=("ko",))
    add_user(service, "v", languages=("vi",))
    vi_ticket = handoff(service, "v1", "vi")
    si_ticket = handoff(service, "s1", "si")  # Sinhala: no counselor speaks it
    assert service.claim_next(counselor)["id"] == si_ticket
    assert "si" not in service.tickets.spoken_languages() and service.get(vi_ticket)["status"] == "new"


def test_another_counselors_language_spills_over_after_the_wait(service):
    ko_counselor, _ = add_user(service, "c", languages=("ko",))
    add_user(service, "v", languages=("vi",))
    vi_ticket = handoff(service, "v1", "vi")
    assert service.claim_next(ko_counselor) is None
    service.clock.advance(minutes=30)
    assert service.claim_next(ko_counselor)["id"] == vi_ticket


def test_team_tickets_go_to_the_team_unless_nobody_is_in_it(service):
    labor, _ = add_user(service, "labor-1", languages=("vi",), teams=("labor",))
    visa, _ = add_user(service, "visa-1", languages=("vi",), teams=("visa",))
    with service.tickets.transaction() as d:
        d.execute("INSERT INTO teams (name, created_at) VALUES ('family', '2026-01-01T00:00:00.000000Z')")
    labor_ticket = handoff(service, "v1", "vi", team="labor")
    family_ticket = handoff(service, "v2", "vi", team="family")  # a team without counselors
    assert service.claim_next(visa)["id"] == family_ticket
    assert service.claim_next(visa) is None
    assert service.claim_next(labor)["id"] == labor_ticket


def test_unknown_team_is_refused_at_handoff(service):
    with pytest.raises(TicketError) as refused:
        open_ticket(service, "v1", team="nope")
    assert status_of(refused.value.code) == 422 and refused.value.code == "unknown_team"


def test_capacity_is_enforced(service):
    counselor, _ = add_user(service, "c", languages=("vi",), capacity=2)
    for i in range(3):
        handoff(service, f"v{i}", "vi")
    claims(service, counselor, 2)
    with pytest.raises(TicketError) as refused:
        service.claim_next(counselor)
    assert status_of(refused.value.code) == 409 and refused.value.code == "at_capacity"
    held = service.tickets.held_count(counselor.id)
    first_held = service.tickets.list(iso(service.now()), assigned_to=counselor.id)[0]["id"]
    service.set_status(first_held, "resolved", counselor)
    assert service.tickets.held_count(counselor.id) == held - 1
    assert service.claim_next(counselor) is not None


def test_a_departed_counselors_tickets_return_to_the_queue(service):
    leaving, _ = add_user(service, "leaving", languages=("vi",))
    staying, _ = add_user(service, "staying", languages=("vi",))
    ids = [handoff(service, f"v{i}", "vi") for i in range(2)]
    claims(service, leaving, 2)
    assert sorted(service.release_all(leaving.id, "cli", deactivate=True)) == sorted(ids)
    assert "vi" in service.tickets.spoken_languages()
    assert sorted(claims(service, staying, 2)) == sorted(ids)
