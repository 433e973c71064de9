from __future__ import annotations


def test_home_page_loads_in_a_real_browser(editor_page, live_server):
    response = editor_page.goto(live_server.url + "/")
    assert response is not None and response.ok
    assert editor_page.url == f"{live_server.url}/downtimes/"
    assert editor_page.locator("h1").inner_text() == "Downtimes"
    assert editor_page.locator("table.downtimes tbody tr").count() == 3
