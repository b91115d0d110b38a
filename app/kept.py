"""What an app keeps between requests because building it again would give the same result: a
store per kind, bounded, that drops the least recently used entry first (the inbox's SQL plans,
the navigation bar, ``load_visible``'s statements). Each store lives in ``app.extensions``, so two apps in one process (the
tests) never see each other's."""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from flask import current_app

T = TypeVar("T")


class Kept(Generic[T]):
    """``kept.get(key, build)``: the value kept for ``key``, or ``build()``'s, kept from then on.
    The key must hold everything the value depends on; ``size`` entries at most."""

    def __init__(self, name: str, size: int):
        self.name, self.size = name, size
        self._lock = threading.Lock()

    def entries(self) -> OrderedDict[Hashable, T]:
        """This app's entries, the least recently used first."""
        return current_app.extensions.setdefault(self.name, OrderedDict())

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        entries = self.entries()
        with self._lock:
            value = entries.get(key)
            if value is not None:
                entries.move_to_end(key)
                return value
        value = build()  # outside the lock: two threads may build the same value, either will do
        with self._lock:
            entries[key] = value
            while len(entries) > self.size:
                entries.popitem(last=False)
        return value
