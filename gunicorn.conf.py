"""gunicorn reads this file from the directory it starts in: blank calendar feed tokens in its
access and error logs, and keep each of their lines to one (dashboard/logs.py says why)."""

logger_class = "dashboard.logs.GunicornLogger"
