"""Slack: the `/downtime` command and the reminders' buttons, for linked people only.

`signing` (Slack's v0 signature, pure), `parsing` (a command's words, pure), `blocks` (answers
in Block Kit, pure), `linking` (a one-time link that ties a Slack person to an account),
`acting` (what a command or a button does, through the pages' own paths: quick mute, extend,
end now), `views` (`/slack/commands`, `/slack/actions`, the link page; a retried request is
answered once, from a row made once).
"""
