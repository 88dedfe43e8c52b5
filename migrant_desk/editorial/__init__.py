"""Editors' workflow: entries with revision history in the database, drafts, review, publish without downtime,
translation status per variant, and the content-gap report."""
