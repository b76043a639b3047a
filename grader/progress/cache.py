"""A short-lived cache of what progress pages compute, per process, that a change to the cohort makes stale."""

from collections.abc import Callable, Hashable
from threading import Lock
from typing import TypeVar

from cachetools import TTLCache

T = TypeVar("T")

CACHE_SECONDS = 30
"""How long a picture is kept at most: the bound on staleness for what no write announces (the clock moving on)."""

CACHE_SIZE = 256
"""Pictures kept per process: a few per cohort (with and without the matrix, per day)."""


class ProgressCache:
    """Computed pictures of cohorts by key; keys carry the cohort's generation, which every write moves on."""

    def __init__(self, seconds: float = CACHE_SECONDS, size: int = CACHE_SIZE) -> None:
        self._pictures: TTLCache[Hashable, object] = TTLCache(maxsize=size, ttl=seconds)
        self._lock = Lock()  # the web server answers requests in threads

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The picture under this key, computed now if it is missing or too old."""
        with self._lock:
            found = self._pictures.get(key)
        if found is not None:
            return found  # type: ignore[return-value]  # the key fixes the type: one compute per key
        value = compute()  # outside the lock: two threads may both compute; both get a right answer
        with self._lock:
            self._pictures[key] = value
        return value

    def clear(self) -> None:
        """Forget every picture."""
        with self._lock:
            self._pictures.clear()
