"""The on-call phone (390 by 844) and a laptop (1280 by 900), in a real browser: the list leads
with what is muted, its filters fold behind "Filters (n)" and its checkboxes wait for
"Select…" (without JavaScript too), a downtime's and a monitor's status and actions are on the
first screen, no page scrolls sideways as a whole, and no image is broken, Gravatar or not."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from sandbox.models import SandboxDowntime
from tests.factories import payments_db

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 900}
SIZES = pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["phone", "laptop"])


def _paths() -> dict[str, str]:
    incident = SandboxDowntime.objects.get(message__contains="Failover drill on payments-db")
    return {
        "list": "/downtimes/",
        "downtime": f"/downtimes/{incident.uuid}/",
        "form": "/downtimes/new/",
        "calendar": "/calendar/",
        "monitors": "/monitors/",
        "monitor": f"/monitors/{payments_db().id}/",
        "attention": "/attention/",
    }


def _broken_images(page) -> list[str]:
    return page.evaluate(
        "[...document.images].filter(i => i.complete && i.naturalWidth === 0).map(i => i.src)"
    )


def _on_first_screen(page, selector: str, size: dict) -> bool:
    box = page.locator(selector).first.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= size["height"]


@SIZES
def test_no_page_scrolls_sideways_and_no_image_is_broken(editor_page, live_server, size):
    page = editor_page
    page.set_viewport_size(size)
    for name, path in _paths().items():
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= size["width"], (name, width)
        assert _broken_images(page) == [], name


def test_an_unreachable_gravatar_leaves_the_initials_not_a_broken_image(
    editor_page, live_server, settings
):
    settings.DASHBOARD_GRAVATAR = True  # and these machines cannot reach it
    page = editor_page
    answer = page.goto(f"{live_server.url}{_paths()['downtime']}")
    assert 'class="avatar-image" src="https://secure.gravatar.com/' in answer.text()
    page.wait_for_load_state("networkidle")
    assert _broken_images(page) == []
    assert page.locator("img.avatar-image").count() == 0  # taken away, not shown broken
    assert page.locator(".avatar").first.inner_text().strip() == "MO"


@SIZES
def test_a_downtimes_and_a_monitors_status_and_actions_are_on_the_first_screen(
    editor_page, live_server, size
):
    page = editor_page
    page.set_viewport_size(size)
    paths = _paths()
    page.goto(f"{live_server.url}{paths['downtime']}")
    for selector in (".dt-status .pill", "h1", "button:has-text('End now')", "text=+1 hour"):
        assert _on_first_screen(page, selector, size), selector
    page.goto(f"{live_server.url}{paths['monitor']}")
    for selector in ("h1", ".actions a:has-text('1 hour')", ".actions a:has-text('until it')"):
        assert _on_first_screen(page, selector, size), selector


def test_on_a_phone_the_list_leads_with_what_is_muted(editor_page, live_server):
    page = editor_page
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/downtimes/?status=active")
    assert _on_first_screen(page, "#results tbody tr", PHONE)
    assert _on_first_screen(page, ".glance", PHONE)
    banner = page.locator(".banner-sandbox").bounding_box()
    assert banner["height"] < 40  # one line
    # A row reads as a card: status, what it mutes, until when, then the scope.
    row = page.locator("#results tbody tr").first
    tops = [
        row.locator(f'td[data-label="{label}"]').bounding_box()["y"]
        for label in ("Status", "Mutes", "Window", "Scope")
    ]
    assert tops == sorted(tops)
    # Checkboxes and the bulk bar wait until someone starts selecting.
    assert not row.locator(".row-select").is_visible()
    assert not page.locator("button:has-text('Cancel selected')").is_visible()
    page.get_by_label("Select…").check()
    assert row.locator(".row-select").is_visible()
    assert page.locator("button:has-text('Cancel selected')").is_visible()
    # With JavaScript, a filter changed in place redraws the list and the count with it.
    page.get_by_label("Select…").uncheck()
    page.click(".filters-button")
    with page.expect_response(lambda r: "kind=recurring" in r.url):
        page.select_option("select[name=kind]", "recurring")
    assert " ".join(page.locator(".filters-button").text_content().split()) == "Filters (1)"


def test_a_laptop_shows_every_filter_and_checkbox_as_before(editor_page, live_server):
    page = editor_page
    page.set_viewport_size(LAPTOP)
    page.goto(f"{live_server.url}/downtimes/?status=active")
    assert page.locator("select[name=creator]").is_visible()
    assert not page.locator(".filters-button").is_visible()
    assert not page.get_by_label("Select…").is_visible()
    assert page.locator("#results tbody tr .row-select").first.is_visible()


def test_the_folded_filters_say_how_many_are_set_and_open_without_javascript(
    browser, live_server, seeded
):
    from tests.conftest import make_user

    make_user("phoebe", "editor")
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "phoebe")
    page.fill("input[name=password]", "phoebe")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/downtimes/?status=all&kind=recurring&sort=-created")
    button = page.locator(".filters-button")
    assert " ".join(button.text_content().split()) == "Filters (2)"
    assert page.locator("#filter-q").is_visible()  # search stays one tap away
    assert not page.locator("select[name=kind]").is_visible()
    button.click()
    assert page.locator("select[name=kind]").is_visible()
    page.select_option("select[name=kind]", "")
    page.click("button:has-text('Apply')")
    assert parse_qs(urlsplit(page.url).query).get("kind", [""]) == [""]
    assert " ".join(page.locator(".filters-button").text_content().split()) == "Filters (1)"
    context.close()
