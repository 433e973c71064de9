"""A real OpenID Connect provider for the tests: django-oauth-toolkit, in a process of its own.

Test-only. It runs with its own settings (`tests.oidc_provider.settings`), its own SQLite
database and signing key in a temporary folder, and is served by gunicorn on a free local port
(`harness.IdentityProvider`), so the dashboard's mozilla-django-oidc talks HTTP to it for
discovery, keys, tokens and user information, as it would to Okta or Keycloak. Its people and
their groups are set with `manage.py idp` against its database.
"""
