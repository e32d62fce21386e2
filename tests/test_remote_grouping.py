"""How RemoteStore groups quads by graph before it writes them."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from graphkit.errors import InputError
from graphkit.stores.remote import _by_graph
from tests.support import value

EX = "http://example.org/"


def test_quads_are_grouped_by_graph_and_the_default_graph_takes_the_given_name() -> None:
    a, p = ox.NamedNode(f"{EX}a"), ox.NamedNode(f"{EX}p")
    quads = [ox.Quad(a, p, ox.Literal("1"), ox.NamedNode(f"{EX}g")),
             ox.Quad(a, p, ox.Literal("2"), ox.DefaultGraph()),
             ox.Quad(a, p, ox.Literal("3"), ox.NamedNode(f"{EX}g"))]
    grouped = _by_graph(quads, default=f"{EX}target", name="")
    assert {g: [value(t.object) for t in ts] for g, ts in grouped.items()} == {
        f"{EX}g": ["1", "3"], f"{EX}target": ["2"]}


def test_a_blank_node_graph_name_is_refused_naming_the_input() -> None:
    quad = ox.Quad(ox.NamedNode(f"{EX}a"), ox.NamedNode(f"{EX}p"), ox.Literal("1"),
                   ox.BlankNode("g1"))
    with pytest.raises(InputError, match=r"^data\.trig: graph _:g1 is a blank node"):
        _by_graph([quad], default=None, name="data.trig: ")
