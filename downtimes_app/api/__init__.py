"""Act from anywhere: personal API tokens and the dashboard's own JSON API under `/api/`.

`tokens` (made, shown once, kept as a digest), `access` (a bearer token or a session with its
CSRF token; JSON errors everywhere), `shapes` (a downtime as JSON; a body read as a prefilled
link's query, so the form validates it), `views` (list, one, create, extend, end, cancel, and
leases a job renews), `schema` (`/api/openapi.json`), `account` (the tokens page).
"""
