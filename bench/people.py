"""People using the dashboard, for the benchmark: someone browsing the list, an editor saving.

Each is a signed-in `requests` session against a running `Stack`; every page they load is timed
and kept as a `View` (how long, what status, whether the page said its data was stale).
"""

from __future__ import annotations

import random
import re
import threading
import time
import uuid
from dataclasses import dataclass, field

import requests

from tests.html_forms import as_post, form_data

STALE = "could not be reached for fresh data"
SEARCHES = ("", "payments", "env:prod", "team:sre", "nightly", "kafka", "redis")
TABS = ("active", "scheduled", "ended", "all")
DETAIL = re.compile(r"/downtimes/([0-9a-f-]{36})/$")


@dataclass
class View:
    seconds: float
    status: int
    stale: bool
    kind: str  # "list", "detail", "form", "write"


@dataclass
class Record:
    """Every page a group of people loaded, and what the editors meant to save."""

    views: list[View] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    made: dict[str, str] = field(default_factory=dict)  # token -> downtime id ("" if none)
    found_after_save: list[bool] = field(default_factory=list)
    changed: dict[str, str] = field(default_factory=dict)  # downtime id -> what was done

    def add(self, view: View) -> None:
        with self.lock:
            self.views.append(view)


def timed(record: Record, person: requests.Session, kind: str, method: str, url: str, **kw):
    started = time.perf_counter()
    try:
        response = person.request(method, url, timeout=30, **kw)
    except requests.RequestException:
        record.add(View(time.perf_counter() - started, 599, False, kind))
        return None
    text = response.text
    record.add(View(time.perf_counter() - started, response.status_code, STALE in text, kind))
    return response


def list_url(base: str, rng: random.Random) -> str:
    query = rng.choice(SEARCHES)
    return f"{base}/downtimes/?status={rng.choice(TABS)}" + (f"&q={query}" if query else "")


def browse(base: str, person: requests.Session, record: Record, until: float, seed: int) -> None:
    """Someone watching the list: a tab, a search, a page, now and then a downtime's page."""
    rng = random.Random(seed)
    while time.time() < until:
        response = timed(record, person, "list", "GET", list_url(base, rng))
        ids = re.findall(r'id="downtime-([0-9a-f-]{36})"', response.text if response else "")
        if ids and rng.random() < 0.2:
            timed(record, person, "detail", "GET", f"{base}/downtimes/{rng.choice(ids)}/")
        time.sleep(rng.uniform(0.3, 1.0))


def create(
    base: str, person: requests.Session, record: Record, tries: int = 6, duration: str = "2h"
) -> str:
    """Schedule a downtime through the form, submitting again until it lands; its id or ""."""
    token = uuid.uuid4().hex[:12]
    link = f"{base}/downtimes/new/?scope=env:bench&monitor_tags=team:sre&duration={duration}"
    page = timed(record, person, "form", "GET", f"{link}&message=bench-{token}")
    if page is None or page.status_code != 200:
        record.made[token] = ""
        return ""
    data = form_data(page.text)
    made = ""
    for _ in range(tries):
        answer = timed(
            record,
            person,
            "write",
            "POST",
            f"{base}/downtimes/new/",
            data=as_post(data, _action="save"),
            headers={"Referer": f"{base}/downtimes/new/"},
        )
        found = DETAIL.search(answer.url) if answer is not None else None
        if found:
            made = found.group(1)
            break
        if answer is not None and answer.status_code == 200 and "schedule-form" in answer.text:
            data = form_data(answer.text)  # the form again, as typed, with the reason: resend
        time.sleep(0.5)
    record.made[token] = made
    if made:
        listed = timed(
            record, person, "list", "GET", f"{base}/downtimes/?status=all&q=bench-{token}"
        )
        record.found_after_save.append(bool(listed) and made in listed.text)
    return made


def act(base: str, person: requests.Session, record: Record, downtime_id: str, what: str) -> bool:
    """Extend by 30 minutes, or cancel, from the downtime's page; whether Datadog said done."""
    page = timed(record, person, "detail", "GET", f"{base}/downtimes/{downtime_id}/")
    if page is None or page.status_code != 200:
        return False
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    seen = re.search(r'name="seen" value="([^"]*)"', page.text)
    if token is None:
        return False
    path = "extend" if what == "extend" else "cancel"
    data = {"csrfmiddlewaretoken": token.group(1), "seen": seen.group(1) if seen else ""}
    if what == "extend":
        data["by"] = "30m"
    answer = timed(
        record,
        person,
        "write",
        "POST",
        f"{base}/downtimes/{downtime_id}/{path}/",
        data=data,
        headers={"Referer": page.url},
    )
    done = answer is not None and ("Extended:" in answer.text or "Canceled." in answer.text)
    if done:
        record.changed[downtime_id] = what
    return done


def edit(base: str, person: requests.Session, record: Record, until: float, seed: int) -> None:
    """An editor at work: schedules a window, extends it, sometimes cancels it."""
    rng = random.Random(seed)
    while time.time() < until:
        made = create(base, person, record)
        if made and rng.random() < 0.7:
            act(base, person, record, made, "extend")
        if made and rng.random() < 0.4:
            act(base, person, record, made, "cancel")
        time.sleep(rng.uniform(1.0, 3.0))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]
