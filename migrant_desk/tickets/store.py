"""Rows in and out of the ticket tables. No decisions here (service.py decides); the functions that write take
the connection of a transaction the caller opened, so one operation's rows commit or roll back together."""

from __future__ import annotations

import json

from .. import db
from .models import ACTIVE_STATUSES, CLOSED, HELD_STATUSES, NEW, RESOLVED


def sql_list(values: tuple[str, ...]) -> str:
    """A tuple of status names as an SQL list, `('new', 'assigned')`, so the names are written once (models.py).
    Only for those constants: never for a value from a request."""
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


ACTIVE_SQL = sql_list(ACTIVE_STATUSES)
HELD_SQL = sql_list(HELD_STATUSES)
# Overdue, over the tickets table (alias t) with :now bound: the rule of sla.is_overdue, in SQL.
OVERDUE_SQL = (f"(t.status IN {ACTIVE_SQL} AND t.paused_at IS NULL AND "
               "((t.first_response_at IS NULL AND t.first_response_due < :now) OR t.resolution_due < :now))")
PRIORITY_RANK_SQL = "CASE t.priority WHEN 'urgent' THEN 3 WHEN 'high' THEN 2 WHEN 'normal' THEN 1 ELSE 0 END"


def _in_list(prefix: str, values: list[str], params: dict) -> str:
    """`(:p0, :p1, ...)` for an IN clause. An empty list becomes an empty subquery, which IN never matches and
    NOT IN always does (a literal `(NULL)` would make NOT IN unknown)."""
    if not values:
        return "(SELECT NULL WHERE 1 = 0)"
    names = [f":{prefix}{i}" for i in range(len(values))]
    params.update({f"{prefix}{i}": v for i, v in enumerate(values)})
    return f"({', '.join(names)})"


def ticket_id_for_token_hash(database: db.Database, digest: str) -> int | None:
    """The ticket a migrant's token opens (by the token's hash), or None."""
    row = database.execute("SELECT id FROM tickets WHERE access_token_hash = ?", [digest]).fetchone()
    return row[0] if row else None


class TicketStore:
    def __init__(self, store: db.Store):
        self.store = store

    @property
    def db(self) -> db.Database:
        return self.store.db

    def transaction(self):
        return self.store.transaction()

    # --- reading ------------------------------------------------------------------------------------------

    def ticket(self, ticket_id: int, database: db.Database | None = None) -> dict | None:
        rows = list((database or self.db).query("SELECT * FROM tickets WHERE id = ?", [ticket_id]))
        return rows[0] if rows else None

    def active_for_conversation(self, conversation_id: str,
                                database: db.Database | None = None) -> dict | None:
        """The conversation's ticket that still belongs to a human (at most one exists), or None."""
        rows = list((database or self.db).query(
            f"SELECT * FROM tickets WHERE conversation_id = ? AND status IN {ACTIVE_SQL} ORDER BY id DESC LIMIT 1",
            [conversation_id]))
        return rows[0] if rows else None

    def messages(self, ticket_id: int, after: int = 0, include_internal: bool = True) -> list[dict]:
        internal = "" if include_internal else " AND internal = 0"
        return list(self.db.query(
            f"SELECT * FROM messages WHERE ticket_id = ? AND id > ?{internal} ORDER BY id", [ticket_id, after]))

    def events(self, ticket_id: int) -> list[dict]:
        return list(self.db.query("SELECT * FROM events WHERE ticket_id = ? ORDER BY id", [ticket_id]))

    def last_event_id(self) -> int:
        return self.db.execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchone()[0]

    def changed_since(self, event_id: int, limit: int = 1000) -> tuple[int, set[int]]:
        """The tickets written to after audit event `event_id`, and the last event id read. Every write a
        long-poll waits for (a message, a status change) writes an event in its transaction, so the events are
        the queue's change feed; on SQLite ids follow commit order (one writer at a time)."""
        rows = self.db.execute("SELECT id, ticket_id FROM events WHERE id > ? ORDER BY id LIMIT ?",
                               [event_id, limit]).fetchall()
        return (rows[-1][0] if rows else event_id), {r[1] for r in rows}

    def list(self, now: str, statuses: list[str] | None = None, lang: str | None = None, team: str | None = None,
             category: str | None = None, assigned_to: int | None = None, overdue: bool | None = None,
             limit: int = 100, offset: int = 0) -> list[dict]:
        where, params = ["1 = 1"], {"now": now, "limit": limit, "offset": offset}
        if statuses:
            names = [f":s{i}" for i in range(len(statuses))]
            where.append(f"t.status IN ({', '.join(names)})")
            params.update({f"s{i}": s for i, s in enumerate(statuses)})
        for column, value in (("lang", lang), ("team", team), ("category", category), ("assigned_to", assigned_to)):
            if value is not None:
                where.append(f"t.{column} = :{column}")
                params[column] = value
        if overdue is not None:
            where.append(OVERDUE_SQL if overdue else f"NOT {OVERDUE_SQL}")
        sql = (f"SELECT t.* FROM tickets t WHERE {' AND '.join(where)} "
               f"ORDER BY {PRIORITY_RANK_SQL} DESC, t.first_response_due, t.created_at, t.id "
               "LIMIT :limit OFFSET :offset")
        return list(self.db.query(sql, params))

    def queue_depth(self, now: str) -> list[tuple[str, str, int, int]]:
        """(language, status, tickets, overdue tickets) for every active status: the /metrics gauges."""
        return [tuple(r) for r in self.db.execute(
            f"SELECT t.lang, t.status, COUNT(*), SUM(CASE WHEN {OVERDUE_SQL} THEN 1 ELSE 0 END) FROM tickets t "
            f"WHERE t.status IN {ACTIVE_SQL} GROUP BY t.lang, t.status",
            {"now": now})]

    def team_exists(self, name: str) -> bool:
        return self.db.execute("SELECT 1 FROM teams WHERE name = ?", [name]).fetchone() is not None

    def user_names(self) -> dict[int, str]:
        return {r["id"]: r["name"] for r in self.db.query("SELECT id, name FROM users")}

    def staff(self, database: db.Database | None = None) -> list[dict]:
        """Active users who can take tickets (counselors and admins), with their languages and teams."""
        rows = (database or self.db).query(
            "SELECT id, name, role, languages, teams, capacity FROM users WHERE active = 1 "
            "AND role IN ('counselor','admin')")
        return [{**r, "languages": json.loads(r["languages"]), "teams": json.loads(r["teams"])} for r in rows]

    def spoken_languages(self, database: db.Database | None = None) -> set[str]:
        return {code for person in self.staff(database) for code in person["languages"]}

    def held_count(self, user_id: int, database: db.Database | None = None) -> int:
        return (database or self.db).execute(
            f"SELECT COUNT(*) FROM tickets WHERE assigned_to = ? AND status IN {HELD_SQL}", [user_id]).fetchone()[0]

    def held_by(self, database: db.Database, user_id: int) -> list[dict]:
        return list(database.query(f"SELECT * FROM tickets WHERE assigned_to = ? AND status IN {HELD_SQL} ORDER BY id",
                                   [user_id]))

    def resolved_before(self, cutoff: str, database: db.Database | None = None,
                        limit: int | None = None) -> list[dict]:
        """Resolved tickets whose resolution is older than `cutoff` (their reopen window has passed)."""
        return list((database or self.db).query(
            f"SELECT * FROM tickets WHERE status = '{RESOLVED}' AND resolved_at < ? ORDER BY id"
            + (f" LIMIT {int(limit)}" if limit else ""), [cutoff]))

    def closed_before(self, database: db.Database, cutoff: str) -> list[dict]:
        return list(database.query(f"SELECT id, closed_at FROM tickets WHERE status = '{CLOSED}' AND closed_at < ? "
                                   "ORDER BY id", [cutoff]))

    def message_count(self, ticket_id: int, database: db.Database | None = None) -> int:
        return (database or self.db).execute("SELECT COUNT(*) FROM messages WHERE ticket_id = ?",
                                             [ticket_id]).fetchone()[0]

    def idempotency(self, key_hash: str, database: db.Database | None = None) -> dict | None:
        rows = list((database or self.db).query("SELECT * FROM idempotency_keys WHERE key_hash = ?", [key_hash]))
        return rows[0] if rows else None

    # --- writing (inside the caller's transaction) -----------------------------------------------------------

    @staticmethod
    def insert(database: db.Database, table: str, values: dict) -> int | None:
        """The new row's id (None for idempotency_keys, whose key is the hash it is given)."""
        return database.insert_row(table, values, pk=None if table == "idempotency_keys" else "id")

    @staticmethod
    def update(database: db.Database, ticket_id: int, values: dict) -> None:
        sets = ", ".join(f"{column} = ?" for column in values)
        database.execute(f"UPDATE tickets SET {sets} WHERE id = ?", [*values.values(), ticket_id])

    @staticmethod
    def event(database: db.Database, ticket_id: int, at: str, actor: str, action: str,
              from_value: object = None, to_value: object = None) -> None:
        database.execute(
            "INSERT INTO events (ticket_id, at, actor, action, from_value, to_value) VALUES (?, ?, ?, ?, ?, ?)",
            [ticket_id, at, actor, action, None if from_value is None else str(from_value),
             None if to_value is None else str(to_value)])

    @staticmethod
    def best_queued(database: db.Database, mine: list[str], spoken: list[str], my_teams: list[str],
                    staffed_teams: list[str], spill_cutoff: str) -> int | None:
        """The first queued ticket in routing.py's order: language tier (0 a language of the counselor's, 1 one
        no active counselor speaks, 2 another's, only once created before `spill_cutoff`), then priority, first
        response due, age. Team tickets go to the team's members unless no active counselor is in the team."""
        params: dict = {"spill_cutoff": spill_cutoff}
        mine_sql, spoken_sql = _in_list("mine", mine, params), _in_list("spoken", spoken, params)
        my_teams_sql, staffed_sql = _in_list("myteam", my_teams, params), _in_list("staffed", staffed_teams, params)
        tier = f"CASE WHEN t.lang IN {mine_sql} THEN 0 WHEN t.lang NOT IN {spoken_sql} THEN 1 ELSE 2 END"
        sql = f"""
            SELECT t.id, {tier} AS tier FROM tickets t
            WHERE t.status = '{NEW}'
              AND (t.team IS NULL OR t.team IN {my_teams_sql} OR t.team NOT IN {staffed_sql})
              AND ({tier} < 2 OR t.created_at <= :spill_cutoff)
            ORDER BY tier, {PRIORITY_RANK_SQL} DESC, t.first_response_due, t.created_at, t.id
            LIMIT 1{database.dialect.skip_locked("t")}"""
        row = database.execute(sql, params).fetchone()
        return row[0] if row else None

    @staticmethod
    def delete(database: db.Database, ticket_id: int) -> None:
        """The ticket with its audit trail; messages and idempotency keys go with it (ON DELETE CASCADE)."""
        database.execute("DELETE FROM events WHERE ticket_id = ?", [ticket_id])
        database.execute("DELETE FROM tickets WHERE id = ?", [ticket_id])

    @staticmethod
    def ensure_teams(database: db.Database, names: list[str], at: str) -> None:
        for name in names:
            database.execute("INSERT INTO teams (name, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING", [name, at])
