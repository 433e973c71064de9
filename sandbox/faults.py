"""Fault injection: latency, 429 bursts, 5xx, timeouts and malformed bodies.

Set for the whole process by SANDBOX_LATENCY_MS and SANDBOX_FAULTS (for example
`429=0.1,500=0.05,timeout=0.01,malformed=0.01`: the fraction of requests that get each fault),
and per test from Python with `inject(...)`, which can also queue an exact sequence of faults
("the next two requests are rate-limited") so that retry tests are deterministic.
"""

from __future__ import annotations

import random
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured

KINDS = ("429", "500", "502", "503", "timeout", "malformed")


@dataclass
class FaultPlan:
    latency_ms: float = 0.0
    rates: dict[str, float] = field(default_factory=dict)
    queue: deque[str] = field(default_factory=deque)

    def draw(self, rng: random.Random) -> str | None:
        """The fault for the next request, if any: queued faults first, then the rates."""
        if self.queue:
            fault = self.queue.popleft()
            return None if fault == "ok" else fault
        roll = rng.random()
        for kind, rate in self.rates.items():
            if roll < rate:
                return kind
            roll -= rate
        return None


def parse_rates(text: str, *, source: str = "SANDBOX_FAULTS") -> dict[str, float]:
    rates: dict[str, float] = {}
    for item in (text or "").split(","):
        item = item.strip()
        if not item:
            continue
        kind, sep, value = item.partition("=")
        kind = kind.strip().lower()
        try:
            rate = float(value)
        except ValueError:
            rate = -1.0
        if not sep or kind not in KINDS or not 0 <= rate <= 1:
            raise ImproperlyConfigured(
                f"{source}: {item!r} should be KIND=FRACTION with KIND one of "
                f"{', '.join(KINDS)} and FRACTION between 0 and 1, e.g. 429=0.1,timeout=0.01"
            )
        rates[kind] = rate
    if sum(rates.values()) > 1:
        raise ImproperlyConfigured(f"{source}: the fractions add up to more than 1")
    return rates


_lock = threading.Lock()
_rng = random.Random()
_plan: FaultPlan | None = None


def _configured() -> FaultPlan:
    from django.conf import settings

    return FaultPlan(
        latency_ms=float(settings.SANDBOX_LATENCY_MS),
        rates=parse_rates(settings.SANDBOX_FAULTS),
    )


def next_request() -> tuple[float, str | None]:
    """(latency in seconds, fault or None) for the request being served now."""
    global _plan
    with _lock:
        if _plan is None:
            _plan = _configured()
        return _plan.latency_ms / 1000, _plan.draw(_rng)


def reset() -> None:
    """Forget per-test faults and read the settings again on the next request."""
    global _plan
    with _lock:
        _plan = None


@contextmanager
def inject(
    *,
    latency_ms: float = 0,
    rates: Mapping[str, float] | None = None,
    sequence: Iterable[str] = (),
    seed: int | None = None,
) -> Iterator[FaultPlan]:
    """Faults for the duration of a block. `sequence` items are fault kinds or "ok"."""
    global _plan
    sequence = list(sequence)
    for kind in sequence:
        if kind != "ok" and kind not in KINDS:
            raise ValueError(f"unknown fault {kind!r}; use one of {', '.join(KINDS)} or ok")
    plan = FaultPlan(
        latency_ms=latency_ms,
        rates=parse_rates(",".join(f"{k}={v}" for k, v in (rates or {}).items()), source="rates"),
        queue=deque(sequence),
    )
    with _lock:
        previous = _plan
        _plan = plan
        if seed is not None:
            _rng.seed(seed)
    try:
        yield plan
    finally:
        with _lock:
            _plan = previous
