"""Until it recovers: a downtime that the dashboard ends early once what it mutes is healthy.

A Datadog downtime ends at a time or never; none of its fields ends it on a recovery. So the
downtime is created with a real end, its *cap*, and the dashboard keeps a standing intent beside
it (`models.RecoveryWatch`): every minute the worker reads the monitor copy, and once every
group the downtime mutes has been OK for `DASHBOARD_RECOVERY_SETTLE_MINUTES` it ends the
downtime through End now's own path, once. If the dashboard is down or Datadog unreachable, the
cap still ends it: nothing depends on the dashboard staying up.

- `rules`: the pure rule (groups, times and "now" in; keep waiting or end, and why, out).
- `watching`: starting a watch when a write asks for one, stopping it when a person changes the
  end, and the every-minute look (`check_all`).
- `worker`: the Huey task that runs the look; `tags`: the words pages show beside a watched
  downtime ("ends when host:web-3 has been OK for 5 min, at the latest 14:00").
"""
