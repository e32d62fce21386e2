"""Relationship analytics: the networks of who works with whom, their measures,
communities and paths, exports, and results written back into the graph.

``snapshot`` reads the store once, ``build`` makes networkx graphs of it, ``metrics``
measures them (heavy measures on igraph/leidenalg, networkx as the reference), ``paths``
explains how two entities are connected, ``export`` writes GEXF, GraphML, JSON and CSV,
``views`` shapes what the explorer shows, ``write`` stores results in the ``analytics``
named graph, and ``report``/``command`` answer ``graphkit analyze`` and ``/api/network``.
See ``docs/analytics.md``.
"""

from __future__ import annotations
