"""Blank nodes kept apart: RDF scopes a blank node to the document it comes from, but
pyoxigraph's parser keeps a document's labels (``_:b0``), so two documents, or a document
and the store, can name different nodes alike. :class:`FreshBlankNodes` gives each blank
node of one document a fresh node of its own, the same one every time it recurs.

>>> apart = FreshBlankNodes()
>>> b = ox.BlankNode("b0")
>>> t = apart.triple(ox.Triple(b, ox.NamedNode("http://example.org/p"), b))
>>> t.subject == t.object != b
True
"""

from __future__ import annotations

from typing import overload

import pyoxigraph as ox

__all__ = ["FreshBlankNodes"]

_Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
_Subject = ox.NamedNode | ox.BlankNode | ox.Triple


class FreshBlankNodes:
    """Renames the blank nodes of one document to fresh ones; ``fresh`` maps each original
    to its new node."""

    def __init__(self) -> None:
        self.fresh: dict[ox.BlankNode, ox.BlankNode] = {}

    @overload
    def term(self, term: _Subject) -> _Subject: ...
    @overload
    def term(self, term: _Term) -> _Term: ...
    def term(self, term: _Term) -> _Term:
        if isinstance(term, ox.BlankNode):
            return self.fresh.setdefault(term, ox.BlankNode())
        return term

    def triple(self, triple: ox.Triple | ox.Quad) -> ox.Triple:
        """``triple`` (or a quad's triple) with its blank nodes renamed."""
        return ox.Triple(self.term(triple.subject), triple.predicate,
                         self.term(triple.object))
