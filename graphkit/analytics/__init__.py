"""Relationship analytics: the networks of who works with whom, their measures,
communities and paths, exports, and results written back into the graph.

``snapshot`` reads the store once, ``build`` makes networkx graphs of it, ``metrics``
measures them (heavy measures on igraph/leidenalg, networkx as the reference), ``paths``
explains how two entities are connected, ``export`` writes GEXF, GraphML, JSON and CSV,
``views`` shapes what the explorer shows, ``write`` stores results in the ``analytics``
named graph, and ``report``/``command`` answer ``graphkit analyze`` and ``/api/network``.
For big graphs, ``compact`` builds the affiliation graph and its projection as integer
arrays (no networkx attributes, same order and results) and ``pipeline`` runs issue 7's
target measures from the store in one call, betweenness in a second process
(``worker``, on ``betweenness``) beside the projection's measures.
See ``docs/analytics.md``.
"""

from __future__ import annotations
