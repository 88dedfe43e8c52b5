"""Handoff to counselors: the ticket queue (store, lifecycle, routing, SLA, messages, HTTP API, CLI).

Its tables are declared in schema.py and created with every other domain's (migrant_desk/schema.py).
"""
