"""The dashboard remembers: every version of every downtime it sees, and what muted when.

Datadog forgets ended and canceled downtimes, and keeps no trace of who changed what. This layer
keeps both, in the dashboard's own database (`models.DowntimeVersion`):

- `recording`: each refresh of the copy and each write through the dashboard compared with the
  last version recorded; only what changed is stored (a refresh that finds the set as it was
  costs nothing). A write names its person; anything else is "outside the dashboard".
- `spans` (pure): when a version could mute, and the class of that span that lets a moment be
  looked up by reading about as many rows as it shows.
- `reading`: one downtime's versions, the last one Datadog had, what muted at a moment, what
  muted a monitor; `query` the moment page's state (the URL); `exports` CSV and JSON.
- `outside`: word of changes made outside the dashboard, to `DASHBOARD_NOTIFY_OUTSIDE`.
- `worker`: pruning past `DASHBOARD_HISTORY_DAYS`.

A layer, not a feature: a downtime's page and a monitor's page read it, so it imports neither.
"""
