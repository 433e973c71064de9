"""What an earlier release left in the shared cache: a copy pickled with classes this release
has moved is never read as this release's, and one that cannot be read is fetched anew; neither
is a failed page."""

from __future__ import annotations

import pickle
import zlib

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from downtimes_app import store

LIST = reverse("downtimes:list")


def as_an_earlier_release_pickled(snapshot: store.Snapshot) -> bytes:
    """The copy as the release before the package move stored it: its records' classes then
    lived in `downtimes_app.domain`, which this release does not have."""
    text = pickle.dumps(snapshot, protocol=0)
    assert b"downtimes_app.core.domain" in text
    return zlib.compress(text.replace(b"downtimes_app.core.domain", b"downtimes_app.domain"))


def left_in_the_cache(version: int) -> None:
    """A copy stored, under the cache format `version`, as if by an earlier release."""
    snapshot = store.current().snapshot
    store.invalidate()
    stale = {store.KEY_DATA: as_an_earlier_release_pickled(snapshot)}
    stale |= {store.KEY_VERSION: snapshot.version, store.KEY_FRESH: True}
    cache.set_many(stale, version=version)


def test_a_copy_stored_by_the_release_before_the_package_move_is_not_read(
    viewer_client, stories, caplog
):
    left_in_the_cache(version=1)  # Django's default, which that release used
    page = viewer_client.get(LIST, {"status": "all"})
    assert page.status_code == 200
    assert str(stories["incident"].uuid) in page.content.decode()
    assert "could not be read" not in caplog.text  # not even tried
    assert cache.get(store.KEY_VERSION) != cache.get(store.KEY_VERSION, version=1)


def test_a_stored_copy_that_cannot_be_read_is_fetched_anew(viewer_client, stories, caplog):
    left_in_the_cache(version=settings.CACHE_FORMAT)  # as if the format had not been raised
    page = viewer_client.get(LIST, {"status": "all"})
    assert page.status_code == 200
    assert str(stories["incident"].uuid) in page.content.decode()
    assert "the stored copy could not be read (ModuleNotFoundError" in caplog.text
    assert store.peek() is not None  # the new copy, stored for everyone
