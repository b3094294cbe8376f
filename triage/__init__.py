"""Rumours → decisions: roles, the audit log, the workflow, and the queries the pages call."""
