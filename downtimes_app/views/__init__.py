"""Thin function-based views, one module per part of the dashboard.

browse: the list, the home page and the health check; downtime: one downtime's page and its
quick actions; schedule: the create/edit form and its live preview; audit: the audit trail.
"""
