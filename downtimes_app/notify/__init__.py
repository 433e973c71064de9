"""Messages about downtimes, sent by the background worker: reminders before a window ends, and
word when one is created, canceled or ended through the dashboard.

- `destinations`: the named Slack and webhook destinations (`DASHBOARD_NOTIFY`); pure.
- `words`: what a message says, and the Slack and webhook payloads; pure.
- `reminders`: when a window's reminder is due (pure), and who is to be reminded (the models).
- `outbox`: the messages to send, each once: made idempotently, claimed atomically, sent, retried,
  recorded (`Delivery` rows and the audit trail).
- `worker`: the Huey tasks that drive the outbox (`downtimes_app/tasks.py` exposes them).

Kept free of imports here: settings read `destinations` before Django's apps are ready.
"""
