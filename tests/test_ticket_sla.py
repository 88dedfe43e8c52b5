"""SLA: due times by priority from the settings, overdue flagged and listable, the clock stopped while the
ticket waits on the migrant, a priority change moving the due times."""

import datetime as dt

import pytest
from pydantic import ValidationError

from migrant_desk.clock import iso, parse
from migrant_desk.tickets.settings import TicketSettings
from migrant_desk.tickets.sla import is_overdue
from tests.ticket_helpers import START, add_user, make_service, open_ticket

FIRST = {"urgent": 10, "high": 30, "normal": 60, "low": 240}
RESOLVE = {"urgent": 120, "high": 240, "normal": 600, "low": 2400}


@pytest.fixture
def desk(database_url):
    service = make_service(database_url, first_response_minutes=FIRST, resolution_minutes=RESOLVE)
    counselor, _ = add_user(service, "kim", languages=("vi",))
    return service, counselor


def overdue_ids(service):
    return [t["id"] for t in service.tickets.list(iso(service.now()), overdue=True)]


def test_due_times_follow_the_priority_table(desk):
    service, kim = desk
    ticket, _ = open_ticket(service, "c1")
    assert parse(ticket["first_response_due"]) == START + dt.timedelta(minutes=60)
    assert parse(ticket["resolution_due"]) == START + dt.timedelta(minutes=600)
    service.patch(ticket["id"], {"priority": "urgent"}, add_user(service, "boss", role="admin", languages=())[0])
    urgent = service.get(ticket["id"])
    assert parse(urgent["first_response_due"]) == START + dt.timedelta(minutes=10)
    assert parse(urgent["resolution_due"]) == START + dt.timedelta(minutes=120)
    changes = [(e["from_value"], e["to_value"]) for e in service.tickets.events(ticket["id"])
               if e["action"] == "priority"]
    assert changes == [("normal", "urgent")]


def test_first_response_overdue_is_flagged_and_listed_and_a_reply_clears_it(desk):
    service, kim = desk
    late, _ = open_ticket(service, "c1")
    service.clock.advance(minutes=30)
    fresh, _ = open_ticket(service, "c2")
    service.clock.advance(minutes=31)  # 61 minutes after the first handoff, 31 after the second
    assert overdue_ids(service) == [late["id"]]
    assert is_overdue(service.get(late["id"]), service.now()) and not is_overdue(service.get(fresh["id"]),
                                                                                  service.now())
    assert [t["id"] for t in service.tickets.list(iso(service.now()), overdue=False)] == [fresh["id"]]
    service.claim_next(kim)
    service.add_counselor_message(late["id"], kim, "Xin chào", "vi")
    assert service.get(late["id"])["first_response_at"] == iso(service.now())
    assert overdue_ids(service) == []


def test_clock_stops_while_waiting_on_the_migrant(desk):
    service, kim = desk
    ticket, _ = open_ticket(service, "c1")
    service.claim_next(kim)
    service.clock.advance(minutes=20)
    service.add_counselor_message(ticket["id"], kim, "Bạn gửi giúp tôi hợp đồng lao động nhé.", "vi")
    waiting = service.get(ticket["id"])
    assert waiting["status"] == "waiting_on_migrant" and waiting["paused_at"] == iso(service.now())
    service.clock.advance(minutes=700)  # past the 600-minute resolution time, but the clock is stopped
    assert overdue_ids(service) == []
    service.add_migrant_message(ticket["id"], "Đây là hợp đồng của tôi.")
    resumed = service.get(ticket["id"])
    assert resumed["status"] == "open" and resumed["paused_at"] is None
    assert resumed["paused_seconds"] == pytest.approx(700 * 60)
    assert parse(resumed["resolution_due"]) == START + dt.timedelta(minutes=600 + 700)
    service.clock.advance(minutes=579)  # 20 + 579 = 599 running minutes
    assert overdue_ids(service) == []
    service.clock.advance(minutes=2)
    assert overdue_ids(service) == [ticket["id"]]


def test_resolved_tickets_are_not_overdue(desk):
    service, kim = desk
    ticket, _ = open_ticket(service, "c1")
    service.claim_next(kim)
    service.set_status(ticket["id"], "resolved", kim)
    service.clock.advance(days=3)
    assert overdue_ids(service) == []


def test_settings_need_every_priority():
    with pytest.raises(ValidationError, match="first_response_minutes needs a positive number"):
        TicketSettings(first_response_minutes={"urgent": 5, "high": 10, "normal": 20})
    with pytest.raises(ValidationError, match="staff_lang"):
        TicketSettings(staff_lang="xx")


def test_settings_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("MIGRANT_DESK_TICKETS_FIRST_RESPONSE_MINUTES",
                       '{"urgent": 5, "high": 15, "normal": 45, "low": 90}')
    monkeypatch.setenv("MIGRANT_DESK_TICKETS_REOPEN_WINDOW_DAYS", "3")
    settings = TicketSettings()
    assert settings.first_response_minutes["normal"] == 45 and settings.reopen_window_days == 3
