"""Validation of data against the project's SHACL shapes.

:func:`validate` is the one entry point; its result is a :class:`Report` of
:class:`Finding` values (see :mod:`graphkit.validation.report`).  Two engines produce the
same findings: ``"pyshacl"`` (the reference, :mod:`graphkit.validation.oracle`) and
``"sparql"`` (the shapes compiled to SPARQL inside Oxigraph, :mod:`graphkit.validation.engine`).

>>> import pyoxigraph as ox
>>> report = validate([], engine="pyshacl")
>>> report.conforms
True
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as ox

from graphkit.errors import StoreError, UsageError
from graphkit.validation.report import SH, Finding, Report, Severity, path_text
from graphkit.validation.shapes import Shapes, as_triples, load_shapes

__all__ = [
    "ENGINES",
    "SH",
    "Finding",
    "Report",
    "Severity",
    "Shapes",
    "load_shapes",
    "path_text",
    "validate",
]

#: The engine names :func:`validate` accepts besides ``"auto"``.
ENGINES = ("pyshacl", "sparql")

_RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
_SPARQL_COMPONENT = SH + "SPARQLConstraintComponent"
#: Triples a store answering SPARQL only may hold for :func:`validate` to read it whole as
#: data (Virtuoso answers at most 1,048,576 rows; validating contributions reads only what
#: they touch, whatever the size).
WHOLE_STORE_LIMIT = 1_000_000


def validate(data: object, *, context: object = None, engine: str = "auto",
             shapes: Shapes | Path | str | Sequence[Path | str] | None = None) -> Report:
    """Validate ``data`` against the shapes and return the report.

    Args:
        data: a pyoxigraph ``Store``, a list of pyoxigraph ``Quad``/``Triple``, or a path
            (or list of paths) to RDF files. Graph names are ignored: all is one graph.
        context: what the data joins (a pyoxigraph or graphkit store, triples, paths):
            references into it resolve, but only findings whose focus node occurs in
            ``data`` are reported. A store is read incrementally (only what the data
            touches); a remote store by batched SPARQL queries
            (:mod:`graphkit.validation.remote_context`), with the same findings.
        engine: ``"pyshacl"``, ``"sparql"`` or ``"auto"`` (``"sparql"`` when that engine is
            installed, else ``"pyshacl"``).
        shapes: a loaded :class:`Shapes`, shape file path(s), or ``None`` for the project's
            shapes (``shapes/*.ttl`` without ``dcat.ttl``).

    Raises:
        UsageError: an unknown engine.
        StoreError: ``data`` is a remote store of more than :data:`WHOLE_STORE_LIMIT`
            triples, or the store failed.
        InputError / RdfSyntaxError: unreadable data, context or shapes.
    """
    from graphkit.validation.remote_context import is_query_store

    chosen = _engine(engine)
    bundle = _shapes(shapes)
    triples = _whole(data)
    if is_query_store(context):
        # a store answering SPARQL only: the context the data touches, read in batches
        from graphkit.validation.remote_context import remote_context, validate_remote

        if chosen == "sparql":
            found, read = validate_remote(triples, context, bundle)
            return _restricted(found, triples, sorted(read.triples, key=str), bundle)
        context = sorted(remote_context(triples, context, bundle).triples, key=str)
    if chosen == "sparql" and (oxigraph := _oxigraph(context)) is not None:
        # incremental: only the context the data touches is read from the store
        from graphkit.validation.engine import validate_contribution

        found, read = validate_contribution(triples, oxigraph, bundle)
        return _restricted(found, triples, sorted(read.triples, key=str), bundle)
    context_triples = as_triples(context)
    if chosen == "sparql":
        from graphkit.validation import engine as sparql_engine

        report: Report = sparql_engine.validate_with_sparql(
            triples, context=context_triples, shapes=bundle)
    else:
        report = _validate_pyshacl(triples, context_triples, bundle)
    return _restricted(report, triples, context_triples, bundle)


def _whole(data: object) -> list[ox.Triple]:
    """The triples of ``data``; a store answering SPARQL only is read whole only up to
    :data:`WHOLE_STORE_LIMIT` triples (one CONSTRUCT; a cut answer is refused)."""
    from graphkit.validation.remote_context import is_query_store, store_size

    if is_query_store(data):
        limit = WHOLE_STORE_LIMIT
        size = store_size(data)
        if size > limit:
            raise StoreError(
                f"{getattr(data, 'endpoint', data)!s}: the store holds {size:,} triples, "
                f"more than the {limit:,} validation reads whole over SPARQL; validate what "
                "you add against it instead (graphkit validate FILE --against-store, POST "
                "/api/validate: only what FILE touches is read), or export the store "
                "(graphkit export) and validate the dump against an embedded store")
        triples = as_triples(data)
        if len(triples) < size:  # Virtuoso cuts a CONSTRUCT at ResultSetMaxRows silently
            raise StoreError(
                f"{getattr(data, 'endpoint', data)!s}: the store holds {size:,} triples but "
                f"answered {len(triples):,} when read whole (its row limit, e.g. Virtuoso's "
                "ResultSetMaxRows); raise that limit, or validate what you add against it "
                "(graphkit validate FILE --against-store)")
        return triples
    return as_triples(data)


def _oxigraph(context: object) -> ox.Store | None:
    """The pyoxigraph store behind ``context`` (a pyoxigraph or graphkit Oxigraph store)."""
    if isinstance(context, ox.Store):
        return context
    raw = getattr(context, "raw", None)
    return raw if isinstance(raw, ox.Store) else None


def _engine(engine: str) -> str:
    if engine == "auto":
        found = importlib.util.find_spec("graphkit.validation.engine") is not None
        return "sparql" if found else "pyshacl"
    if engine not in ENGINES:
        raise UsageError(f"unknown validation engine {engine!r}; use one of auto, "
                         + ", ".join(ENGINES))
    return engine


def _shapes(shapes: Shapes | Path | str | Sequence[Path | str] | None) -> Shapes:
    if shapes is None:
        return load_shapes()
    if isinstance(shapes, Shapes):
        return shapes
    if isinstance(shapes, str | Path):
        return load_shapes(files=[Path(shapes)])
    return load_shapes(files=[Path(p) for p in shapes])


def _validate_pyshacl(triples: list[ox.Triple], context: list[ox.Triple],
                      shapes: Shapes) -> Report:
    from graphkit.validation.oracle import run_pyshacl, to_rdflib

    graph = to_rdflib(shapes.vocabulary_triples)
    to_rdflib(context, graph)
    to_rdflib(triples, graph)
    return run_pyshacl(graph, shapes)


def _restricted(report: Report, data: list[ox.Triple], context: list[ox.Triple],
                shapes: Shapes) -> Report:
    """Keep findings about ``data``; attach English labels of focus nodes.

    A finding is about the data when its focus node is a subject of ``data``, or when the
    data points at it and the finding comes from a SHACL-SPARQL rule (a rule across
    entities, such as one chair per meeting, can fail on a node of the context because of
    what the data says about it).  Without context every node of the data counts.
    """
    subjects = {_text(t.subject) for t in data}
    objects = {_text(t.object) for t in data}
    kept = [f for f in report.findings
            if f.focus in subjects or (f.focus in objects and
                                       (not context or f.component == _SPARQL_COMPONENT))]
    focus = {f.focus for f in kept}
    labels: dict[str, str] = {}
    for t in (*shapes.vocabulary_triples, *context, *data):
        if t.predicate.value not in (_RDFS_LABEL, _SKOS_PREF):
            continue
        key = _text(t.subject)
        if (key in focus and isinstance(t.object, ox.Literal)
                and (t.object.language in (None, "en") or key not in labels)):
            labels[key] = t.object.value
    return Report(kept, labels)


def _text(term: object) -> str:
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return str(getattr(term, "value", term))
