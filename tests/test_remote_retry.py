"""A remote update or query the server rolled back as a deadlock victim runs again."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from graphkit.errors import RemoteStoreError
from graphkit.stores import remote_wire
from graphkit.stores.remote_wire import DEADLOCK_RETRIES, retry_deadlocks

VICTIM = ("http://127.0.0.1:1/sparql: the update failed (500): Virtuoso 40001 Error SR172: "
          "Transaction deadlocked")


def _failing(times: int, message: str = VICTIM) -> tuple[list[int], Callable[[], str]]:
    calls: list[int] = []

    def action() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise RemoteStoreError(message, status=500)
        return "done"

    return calls, action


def test_a_deadlock_victim_runs_again_until_it_goes_through(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(remote_wire, "DEADLOCK_PAUSE", 0.0)
    calls, action = _failing(2)
    assert retry_deadlocks(action) == "done"
    assert len(calls) == 3


def test_it_gives_up_after_the_last_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(remote_wire, "DEADLOCK_PAUSE", 0.0)
    calls, action = _failing(DEADLOCK_RETRIES + 5)
    with pytest.raises(RemoteStoreError, match="deadlocked"):
        retry_deadlocks(action)
    assert len(calls) == DEADLOCK_RETRIES + 1


def test_other_errors_and_a_passed_deadline_are_not_retried() -> None:
    calls, action = _failing(1, "http://127.0.0.1:1/sparql: the update failed (500): SP030")
    with pytest.raises(RemoteStoreError, match="SP030"):
        retry_deadlocks(action)
    assert len(calls) == 1
    calls, action = _failing(1)
    with pytest.raises(RemoteStoreError, match="deadlocked"):
        retry_deadlocks(action, deadline=time.monotonic())
    assert len(calls) == 1
