"""gunicorn reads this file from the directory it starts in: blank calendar feed tokens in its
access log (dashboard/logs.py says why)."""

logger_class = "dashboard.logs.GunicornLogger"
