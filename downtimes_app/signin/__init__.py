"""Signing in: single sign-on (OIDC), password guessing kept in check, and the trail it leaves.

- `config`: the OIDC settings read from the environment, and which role a person's groups give.
- `oidc`: mozilla-django-oidc wired to the provider's discovery document, with the checks it
  leaves to its users (issuer, audience), accounts linked by the provider's subject, roles
  re-applied at every sign-in, and the provider's sign-out.
- `guessing`: django-axes with a cool-down that grows with the failures, said in words.
- `addresses`: which address a request comes from, behind however many proxies.
- `trail`: sign-ins, failures, lockouts and role changes in the audit trail, one log line each.

This package's `__init__` imports nothing, so settings can read `config` before Django is set up.
"""
