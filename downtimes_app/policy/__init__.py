"""Guardrails: the policy that stops the mute nobody should make, and asks a second editor
about the wide ones.

`rules` (pure: the rules and how a downtime fares against them), `config` (the TOML file, read
at start-up), `judging` (a person's rules, and the monitors a downtime targets, for a write),
`asking` (a request for approval: made once, recorded, announced), `views` (`/policies/`).
Every write path asks `judging` before it sends; deciding on a request is the `approvals`
feature's, which sends through the form's own saving.
"""
