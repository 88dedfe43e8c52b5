"""Every table of the service's database, by domain, and the one order in which the domains' migrations run.

Each domain declares its own steps next to its code (a `db.Migrations`); this list is the only place that says
which domains a database has and in which order they are created. The order matters only for a new database
(a step's name is recorded once applied): tables that refer to another domain's come after it.
"""

from __future__ import annotations

from .db import Migrations
from .editorial import offices_store as offices
from .editorial import schema as editorial
from .embedding import cache as embeddings
from .feedback import store as feedback
from .reports import schema as reports
from .tickets import schema as tickets
from .translation import schema as translation
from . import live_versions, users

DOMAINS: tuple[Migrations, ...] = (
    users.MIGRATIONS,  # staff accounts: tickets and messages refer to users(id)
    tickets.MIGRATIONS,
    editorial.MIGRATIONS,  # entries, then the question log and the publish log (which refers to entries)
    offices.MIGRATIONS,  # office records and their revisions
    translation.MIGRATIONS,
    feedback.MIGRATIONS,
    reports.MIGRATIONS,
    live_versions.MIGRATIONS,  # what is live, per domain: replicas watch it (live_versions.py)
    embeddings.MIGRATIONS,  # PostgreSQL only: the replicas' shared embedding cache (SQLite keeps a cache file)
)
