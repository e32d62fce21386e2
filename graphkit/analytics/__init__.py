"""Relationship analytics: the networks of who works with whom, their measures,
communities and paths, exports, and results written back into the graph.

``build`` reads the store into networkx graphs, ``metrics`` measures them (heavy measures
on igraph/leidenalg where it pays, networkx as the reference), ``paths`` explains how two
entities are connected, ``export`` writes GEXF, GraphML, JSON and CSV, ``views`` shapes
what the explorer shows and ``write`` stores results in the ``analytics`` named graph.
"""

from __future__ import annotations
