"""StoreWatch: the token the linked-data caches are keyed on moves with every write."""

from __future__ import annotations

from typing import cast

from graphkit.dataset import Cached, StoreWatch
from graphkit.stores import OxigraphStore, Store

EX = "http://example.org/"


def test_a_write_through_the_store_moves_the_token_at_once() -> None:
    store = OxigraphStore()
    # a poll interval of an hour: only the store's own write counter can move the token
    watch = StoreWatch(store, poll_factor=1e9, max_interval=3600)
    before = watch.token()
    store.update(f"INSERT DATA {{ <{EX}a> <{EX}p> 1 }}")
    after_insert = watch.token()
    assert after_insert != before
    # a one-for-one swap leaves size and graphs as they were but is still seen
    store.update(f"DELETE DATA {{ <{EX}a> <{EX}p> 1 }} ; INSERT DATA {{ <{EX}a> <{EX}p> 2 }}")
    assert watch.token() != after_insert
    store.add_graph(f"{EX}g")
    store.remove_graph(f"{EX}g")
    assert len({before, after_insert, watch.token()}) == 3


def test_a_cached_value_is_rebuilt_after_a_write_and_only_then() -> None:
    store = OxigraphStore()
    watch = StoreWatch(store, poll_factor=1e9, max_interval=3600)
    builds: list[int] = []

    def count() -> int:
        builds.append(1)
        return len(store.raw)

    cached = Cached(watch, count)
    assert cached.get() == 0
    assert cached.get() == 0
    store.update(f"INSERT DATA {{ <{EX}a> <{EX}p> 1 }}")
    assert cached.get() == 1
    assert len(builds) == 2


class _NoCounter:
    """A store without a write counter (like a remote one): the watch polls its graphs."""

    def __init__(self) -> None:
        self.size = 0

    def graphs(self) -> list[object]:
        from graphkit.stores.base import GraphInfo
        return [GraphInfo(f"{EX}g", self.size)]


def test_a_store_without_a_counter_is_polled() -> None:
    store = _NoCounter()
    watch = StoreWatch(cast("Store", store), poll_factor=0, max_interval=0)
    before = watch.token()
    store.size = 5
    assert watch.token() != before
