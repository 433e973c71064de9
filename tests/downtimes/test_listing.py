"""The list's pure parts: the glance over a cached copy, whatever its age."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from downtimes_app.core.domain import Downtime, OneTimeSchedule
from downtimes_app.downtimes import listing

MARCH_1 = datetime(2026, 3, 1, 12, tzinfo=UTC)


def active(end_in: timedelta | None) -> Downtime:
    end = MARCH_1 + end_in if end_in is not None else None
    return Downtime(
        id=str(end_in),
        status="active",
        scope="*",
        schedule=OneTimeSchedule(MARCH_1 - timedelta(days=1), end),
    )


def test_glance_counts_only_what_ends_within_the_next_hour():
    index = listing.Index(
        (
            active(timedelta(minutes=-30)),  # the copy is older than this window: already over
            active(timedelta(minutes=20)),
            active(timedelta(minutes=59)),
            active(timedelta(hours=3)),
            active(None),
        )
    )
    glance = listing.glance(index, MARCH_1)
    assert (glance.active, glance.ending_soon, glance.without_end) == (5, 2, 1)
    assert glance.next_up is None


def test_a_patched_index_answers_as_a_new_one_would():
    import dataclasses

    before = tuple(active(timedelta(minutes=m)) for m in (5, 50, 500, 5000))
    index = listing.Index(before)
    query, _ = listing.ListQuery.from_params({"status": "all", "q": "written"})
    listing.run(before, query, index=index)  # the old index has texts and orders worked out
    ended = dataclasses.replace(before[1], status="ended", message="written")
    made = dataclasses.replace(before[0], id="new", message="written too")
    after = (before[0], ended, *before[2:], made)
    patched, fresh = index.patched(after), listing.Index(after)
    for params in ({}, {"status": "ended"}, {"status": "all", "q": "written"}, {"sort": "-end"}):
        query, _ = listing.ListQuery.from_params(params)
        got = listing.run(after, query, index=patched)
        want = listing.run(after, query, index=fresh)
        assert (got.rows, got.counts) == (want.rows, want.counts), params
    assert listing.glance(patched, MARCH_1) == listing.glance(fresh, MARCH_1)


def test_a_patched_index_keeps_every_cached_order_and_choice_exactly_as_a_new_one():
    import dataclasses
    import random

    from downtimes_app.core.domain import Monitor, User

    rng = random.Random(11)
    people = [User(id=f"u{n}", name=f"Person {n}", handle=f"p{n}@example.com") for n in range(4)]
    statuses = ("active", "scheduled", "ended", "canceled")

    def made(n: int) -> Downtime:
        start = MARCH_1 + timedelta(minutes=rng.randrange(-600, 600))
        end = start + timedelta(minutes=rng.choice((30, 60, 60, 120)))  # ties on purpose
        return Downtime(
            id=f"d{n}",
            status=rng.choice(statuses),
            scope="*",
            schedule=OneTimeSchedule(start, end),
            monitor_id=n % 5,
            monitor=Monitor(id=n % 5, name=f"monitor {n % 5}"),
            creator=rng.choice(people),
            created=MARCH_1 - timedelta(minutes=rng.randrange(0, 50)),
        )

    before = tuple(made(n) for n in range(300))
    index = listing.Index(before)
    for status in (*statuses, "all"):
        for sort in ("start", "-start", "end", "-end", "created", "-created"):
            index.tab_order(status, sort)
    assert index.creators and index.monitors  # worked out, so the patch must carry them
    after = list(before)
    for i in rng.sample(range(300), 12):
        after[i] = dataclasses.replace(
            before[i],
            status=rng.choice(statuses),
            schedule=made(i).schedule,
        )
    after.append(made(300))
    patched, fresh = index.patched(tuple(after)), listing.Index(tuple(after))
    assert "creators" in patched.__dict__ and ("all", "-created") in patched._orders  # carried
    for status in (*statuses, "all"):
        for sort in ("start", "-start", "end", "-end", "created", "-created"):
            assert patched.tab_order(status, sort) == fresh.tab_order(status, sort), (status, sort)
    assert (patched.creators, patched.monitors) == (fresh.creators, fresh.monitors)
