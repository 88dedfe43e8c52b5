"""Handoff to counselors: the ticket queue (store, lifecycle, routing, SLA, messages, HTTP API, CLI).

Importing the package registers its schema migrations with migrant_desk.db, so any `db.Store` opened after
`import migrant_desk.tickets` has the ticket tables.
"""

from . import schema as _schema  # noqa: F401  (registers migrations)
