"""What the client's tests share: the Datadog they talk to (`dd` in conftest.py answers it with
`responses`), its keys, and a request's JSON body."""

from __future__ import annotations

import json

API = "https://api.datadoghq.com"


API_KEY = "a1b2c3d4e5-test-api-key-0000"


APP_KEY = "f6e7d8c9-test-app-key-1111"


def sent_body(call) -> dict:
    return json.loads(call.request.body)
