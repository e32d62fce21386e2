"""The examples in the docstrings of the library and the service (``>>>`` lines) run and
hold: they are documentation, so they must not drift from the code."""

from __future__ import annotations

import doctest
import importlib

import pytest

from tests.support import PROJECT

MODULES = sorted(
    ".".join(path.relative_to(PROJECT).with_suffix("").parts).removesuffix(".__init__")
    for package in ("graphkit", "service") for path in (PROJECT / package).rglob("*.py")
    if path.name != "__main__.py" and ">>> " in path.read_text(encoding="utf-8"))


def test_there_are_examples_to_run() -> None:
    assert "graphkit.jsonld" in MODULES and "graphkit.workers" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_the_examples_hold(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.attempted > 0, f"{name}: no example was found"
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} examples failed"
