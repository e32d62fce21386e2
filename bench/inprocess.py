"""The in-process peers of the query mix: the same file loaded into a store in this
process, and each query run *and serialised* to the format a server would send (SPARQL
JSON, N-Triples), so that they compare with a request:

- ``pyoxigraph-disk``: raw pyoxigraph on disk (the limit for our embedded store);
- ``pyoxigraph-memory``: raw pyoxigraph in memory;
- ``rdflib``: rdflib's memory store (``rdflib.Dataset(default_union=True)``).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil
import pyoxigraph as ox

from bench.mix import NT
from bench.peers import GRAPH


@dataclass
class Local:
    key: str
    name: str
    run: Callable[[str, str], bytes]  # (accept, query) -> serialised answer
    loading: float  # seconds to load the file
    memory: int  # growth of this process's resident memory while loading, bytes

    def runner(self, accept: str, query: str) -> Callable[[], bytes]:
        return lambda: self.run(accept, query)


def _rss() -> int:
    gc.collect()
    return int(psutil.Process().memory_info().rss)


def _oxigraph_runner(store: ox.Store) -> Callable[[str, str], bytes]:
    def run(accept: str, query: str) -> bytes:
        result = store.query(query, use_default_graph_as_union=True)
        if isinstance(result, ox.QueryTriples):
            return result.serialize(format=ox.RdfFormat.N_TRIPLES) or b""
        return result.serialize(format=ox.QueryResultsFormat.JSON) or b""
    return run


def pyoxigraph(source: Path, *, directory: Path | None) -> Local:
    """Raw pyoxigraph, on disk under ``directory`` or in memory."""
    before, began = _rss(), time.perf_counter()
    store = ox.Store(str(directory)) if directory is not None else ox.Store()
    store.bulk_load(path=str(source), format=ox.RdfFormat.N_TRIPLES,
                    to_graph=ox.NamedNode(GRAPH))
    if directory is not None:
        store.flush()
    loading = time.perf_counter() - began
    where = "disk" if directory is not None else "memory"
    return Local(f"pyoxigraph-{where}", f"pyoxigraph in-process, {where}",
                 _oxigraph_runner(store), loading, max(0, _rss() - before))


def rdflib_memory(source: Path) -> Local:
    """rdflib's memory store, the file parsed into one named graph of a union Dataset."""
    from rdflib import Dataset, URIRef
    from rdflib.query import Result

    before, began = _rss(), time.perf_counter()
    dataset = Dataset(default_union=True)
    dataset.graph(URIRef(GRAPH)).parse(str(source), format="nt")
    loading = time.perf_counter() - began

    def run(accept: str, query: str) -> bytes:
        result: Result = dataset.query(query)
        if accept == NT:
            return result.serialize(format="nt") or b""
        return result.serialize(format="json") or b""

    return Local("rdflib", "rdflib Dataset in-process (memory)", run, loading,
                 max(0, _rss() - before))
