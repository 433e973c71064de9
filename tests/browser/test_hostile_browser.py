"""Hostile text stored in Datadog stays text in a real browser: no script runs, no markup lands."""

from __future__ import annotations

from downtimes_app import store
from tests.web.support import HOSTILE, plant_hostile


def test_hostile_text_runs_nothing_in_a_real_browser(editor_page, live_server, frozen_now):
    main, tagged = plant_hostile(frozen_now)
    store.invalidate()
    page = editor_page
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    paths = [
        "/downtimes/?status=all",
        "/downtimes/?q=mallory",
        f"/downtimes/{main}/",
        f"/downtimes/{tagged}/",
        "/audit/",
    ]
    for path in paths:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        assert page.locator("img[src=x]").count() == 0, path
        assert page.locator("main svg, main b, main script").count() == 0, path
    page.goto(f"{live_server.url}/downtimes/{main}/")
    assert HOSTILE["message"].split(" see ")[0] in page.locator("main").inner_text()
    assert dialogs == []
