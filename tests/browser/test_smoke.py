from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_home_page_loads_in_a_real_browser(page, live_server):
    response = page.goto(live_server.url + "/")
    assert response is not None and response.ok
    assert "ok" in page.content()
