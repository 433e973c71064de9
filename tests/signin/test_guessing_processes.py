"""Two real processes sharing one database count one set of failures for a name.

Each process is a separate `manage.py shell` with the production settings (django-axes counting
in the database, as every worker and instance does), posting to the sign-in page through
Django's full request handling, middleware included.
"""

from __future__ import annotations

import json
import textwrap

from tests.processes import manage, process_env

WORKER = textwrap.dedent(
    """
    import json, os
    from django.test import Client
    client = Client()
    codes = [
        client.post(
            "/accounts/login/",
            {"username": "demo", "password": os.environ["PASSWORD"]},
            REMOTE_ADDR=os.environ["ADDRESS"],
        ).status_code
        for _ in range(int(os.environ["TRIES"]))
    ]
    print(json.dumps(codes))
    """
)


def _worker(env: dict[str, str], *, address: str, password: str, tries: int) -> list[int]:
    more = {"ADDRESS": address, "PASSWORD": password, "TRIES": str(tries)}
    run = manage({**env, **more}, "shell", "--no-imports", "-c", WORKER)
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_two_processes_count_one_set_of_failures_for_a_name(tmp_path):
    env = process_env(tmp_path, ALLOWED_HOSTS="testserver")
    manage(env, "migrate", "--noinput")
    manage(env, "ensure_demo_user")
    # Different addresses, so only the name's count (shared through the database) can lock.
    first = _worker(env, address="203.0.113.1", password="wrong", tries=3)
    second = _worker(env, address="198.51.100.2", password="wrong", tries=2)
    assert first == [200, 200, 200]
    assert second == [200, 429]  # the fifth failure for demo, counted across both
    third = _worker(env, address="192.0.2.3", password="demo", tries=1)
    assert third == [429]  # the right password, from a third process and address: refused
