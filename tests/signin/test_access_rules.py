"""The trusted proxy header and anonymous reads, made safe to switch on.

- The header reaches only ordinary accounts without a password (unless
  DASHBOARD_PROXY_LOCAL_ACCOUNTS allows more), never replaces a session signed in another way,
  and leaves password sign-in working beside it.
- Anonymous readers see downtimes, never the audit trail, e-mail addresses, a downtime's history
  in the dashboard, the bulk-cancel page or the lockouts.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from downtimes_app.models import AuditEntry
from sandbox.models import SandboxDowntime
from tests.conftest import make_user

HEADER = {"X-Forwarded-User": "sso.alice"}


@pytest.fixture
def proxy(settings, org):
    settings.DASHBOARD_PROXY_USER_HEADER = "X-Forwarded-User"
    backends = list(settings.AUTHENTICATION_BACKENDS)
    backends.insert(1, "downtimes_app.signin.proxy.ProxyUserBackend")
    settings.AUTHENTICATION_BACKENDS = backends
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(
        middleware.index("django_htmx.middleware.HtmxMiddleware"),
        "downtimes_app.signin.proxy.ProxyUserMiddleware",
    )
    settings.MIDDLEWARE = middleware
    return settings


def who(client: Client, **headers: str) -> str:
    response = client.get(reverse("downtimes:list"), headers=headers)
    return response.wsgi_request.user.get_username() if response.status_code == 200 else ""


def test_the_header_signs_in_an_account_of_its_own_with_no_password(proxy):
    assert who(Client(), **HEADER) == "sso.alice"
    alice = User.objects.get(username="sso.alice")
    assert not alice.has_usable_password()
    assert list(alice.groups.values_list("name", flat=True)) == ["viewer"]
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SIGN_IN)
    assert (entry.actor, entry.summary) == (alice, "Signed in through the proxy's header")
    assert who(Client(), **HEADER) == "sso.alice"  # and again, on a new session


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("superuser", "it names an administrator account"),
        ("staff", "it names an administrator account"),
        ("password", "it names an account that signs in with a password"),
    ],
)
def test_the_header_may_not_name_an_admin_or_a_password_account(proxy, kind, words):
    account = make_user("root", "editor")  # make_user gives a password
    if kind != "password":
        account.set_unusable_password()
        account.is_superuser = kind == "superuser"
        account.is_staff = kind == "staff"
        account.save()
    client = Client()
    response = client.get(reverse("downtimes:list"), headers={"X-Forwarded-User": "root"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor_name) == (AuditEntry.Action.SIGN_IN_FAILED, "root")
    assert entry.summary == f"The proxy's header was refused: {words}"
    who(client, **{"X-Forwarded-User": "root"})
    assert AuditEntry.objects.count() == 1  # said once, not on every request


def test_the_header_may_not_claim_a_passwordless_account_made_in_the_shell(proxy):
    shell_made = User.objects.create_user("ops.editor")  # no password: unusable
    shell_made.groups.add(make_user("someone", "editor").groups.get())
    client = Client()
    response = client.get(reverse("downtimes:list"), headers={"X-Forwarded-User": "ops.editor"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SIGN_IN_FAILED)
    assert (
        entry.summary
        == "The proxy's header was refused: it names an account the header did not create"
    )
    proxy.DASHBOARD_PROXY_LOCAL_ACCOUNTS = True
    assert who(Client(), **{"X-Forwarded-User": "ops.editor"}) == "ops.editor"


def test_a_setting_lets_the_header_name_local_accounts(proxy):
    make_user("root", "editor")
    proxy.DASHBOARD_PROXY_LOCAL_ACCOUNTS = True
    assert who(Client(), **{"X-Forwarded-User": "root"}) == "root"


def test_a_password_session_is_kept_whatever_the_header_says(proxy):
    make_user("erin", "editor")
    client = Client()
    signed = client.post(reverse("login"), {"username": "erin", "password": "erin"}, headers=HEADER)
    assert signed.status_code == 302  # password sign-in works beside the proxy
    assert who(client, **HEADER) == "erin"  # the header does not replace it...
    assert who(client) == "erin"  # ...nor does its absence sign erin out
    assert not User.objects.filter(username="sso.alice").exists()


def test_a_header_session_ends_when_the_header_goes_or_changes(proxy):
    client = Client()
    assert who(client, **HEADER) == "sso.alice"
    assert who(client, **{"X-Forwarded-User": "sso.bob"}) == "sso.bob"
    assert who(client) == ""


@pytest.fixture
def downtime_id(org) -> str:
    downtime = SandboxDowntime.objects.get(message__contains="Failover drill")
    assert downtime.created_by.email  # the demo org's creator has an address to hide
    return str(downtime.uuid)


def test_anonymous_readers_see_downtimes_but_not_people_or_the_trail(
    settings, downtime_id, editor_client, viewer_client
):
    editor_client.post(reverse("downtimes:extend", args=[downtime_id]), {"by": "30m"})
    email = SandboxDowntime.objects.get(uuid=downtime_id).created_by.email
    settings.DASHBOARD_ANONYMOUS_READ = True
    anonymous = Client()
    detail = anonymous.get(reverse("downtimes:detail", args=[downtime_id]))
    assert detail.status_code == 200
    page = detail.content.decode()
    assert "Failover drill" in page  # the downtime itself is public
    assert email not in page and "Extended" not in page
    assert "to see who changed it through this dashboard" in page
    assert "Audit trail" not in anonymous.get(reverse("downtimes:list")).content.decode()
    for name in ("downtimes:audit", "downtimes:bulk_cancel", "lockouts"):
        response = anonymous.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login")), name
    signed = viewer_client.get(reverse("downtimes:detail", args=[downtime_id])).content.decode()
    assert email in signed and "Extended" in signed


def test_an_account_without_a_role_reads_nothing_until_given_one(settings, downtime_id):
    settings.DASHBOARD_ACCESS_CONTACT = "#sre-tools on Slack"
    nobody = make_user("newcomer", None)
    client = Client()
    client.force_login(nobody)
    for url in (
        reverse("downtimes:list"),
        reverse("downtimes:detail", args=[downtime_id]),
        reverse("downtimes:calendar"),
        reverse("downtimes:monitors_list"),
        reverse("downtimes:attention"),
        reverse("downtimes:audit"),
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        page = response.content.decode()
        assert "has no role on this dashboard yet" in page and "#sre-tools on Slack" in page
        assert "Failover drill" not in page
    fragment = client.get(reverse("downtimes:attention_count"), headers={"HX-Request": "true"})
    assert fragment.status_code == 403 and "<html" not in fragment.content.decode()
    assert client.get(reverse("downtimes:healthz")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302  # signing out still works
    client.force_login(nobody)
    nobody.groups.add(make_user("someone", "viewer").groups.get())
    assert client.get(reverse("downtimes:list")).status_code == 200  # the next request


def test_removing_a_role_takes_effect_on_the_next_request(viewer_client, viewer, org):
    assert viewer_client.get(reverse("downtimes:list")).status_code == 200
    viewer.groups.clear()
    assert viewer_client.get(reverse("downtimes:list")).status_code == 403


def test_anonymous_reads_do_not_open_pages_to_a_signed_in_account_without_a_role(
    settings, downtime_id
):
    settings.DASHBOARD_ANONYMOUS_READ = True
    client = Client()
    client.force_login(make_user("newcomer", None))
    assert client.get(reverse("downtimes:list")).status_code == 403
    assert Client().get(reverse("downtimes:list")).status_code == 200


def test_grant_role_gives_and_takes_a_role_and_records_it(org):
    nobody = make_user("newcomer", None)
    client = Client()
    client.force_login(nobody)
    assert client.get(reverse("downtimes:list")).status_code == 403
    call_command("grant_role", "newcomer", "viewer")
    assert client.get(reverse("downtimes:list")).status_code == 200
    call_command("grant_role", "newcomer", "none")
    assert client.get(reverse("downtimes:list")).status_code == 403
    summaries = list(
        AuditEntry.objects.filter(action=AuditEntry.Action.ROLE_CHANGED)
        .order_by("id")
        .values_list("summary", flat=True)
    )
    assert summaries == [
        "Role changed from none to viewer with manage.py grant_role",
        "Role changed from viewer to none with manage.py grant_role",
    ]
    with pytest.raises(CommandError, match="There is no account named 'ghost'"):
        call_command("grant_role", "ghost", "editor")


def test_anonymous_readers_never_see_or_search_a_nameless_creators_address(
    settings, downtime_id, viewer_client
):
    creator = SandboxDowntime.objects.get(uuid=downtime_id).created_by
    creator.name = ""
    creator.handle = creator.email = "quiet.operator@corp.example"
    creator.save()
    settings.DASHBOARD_ANONYMOUS_READ = True
    anonymous = Client()
    pages = [
        anonymous.get(reverse("downtimes:list"), {"status": "all"}),
        anonymous.get(reverse("downtimes:detail", args=[downtime_id])),
        anonymous.get(reverse("downtimes:calendar")),
        anonymous.get(reverse("downtimes:attention")),
    ]
    for response in pages:
        page = response.content.decode()
        assert response.status_code == 200 and "corp.example" not in page
    assert "quiet.operator" in pages[0].content.decode()  # the name it is shown by
    found = anonymous.get(reverse("downtimes:list"), {"status": "all", "q": "corp.example"})
    assert downtime_id not in found.content.decode()
    by_name = anonymous.get(reverse("downtimes:list"), {"status": "all", "q": "quiet.operator"})
    assert downtime_id in by_name.content.decode()
    # A signed-in viewer still finds it by address, and sees the address on its page.
    signed = viewer_client.get(reverse("downtimes:list"), {"status": "all", "q": "corp.example"})
    assert downtime_id in signed.content.decode()
    detail = viewer_client.get(reverse("downtimes:detail", args=[downtime_id]))
    assert "quiet.operator@corp.example" in detail.content.decode()
