""""Did you mean …?" for references to IRIs of our namespace that nothing defines.

Candidates are the entities the data, its context and the vocabulary do define (subjects
with an ``rdf:type``), matched by label and by the last IRI segment with RapidFuzz.

>>> suggest("https://w3id.org/ogkg/id/org/oecd-directorat",
...         {"https://w3id.org/ogkg/id/org/oecd-directorate": "OECD Directorate"})
[('https://w3id.org/ogkg/id/org/oecd-directorate', 'OECD Directorate')]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pyoxigraph as ox
from rapidfuzz import fuzz, process

__all__ = ["OUR_NAMESPACES", "candidates", "suggest"]

OUR_NAMESPACES = ("https://w3id.org/ogkg/id/", "https://w3id.org/ogkg/scheme/")
_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_LABELS = ("http://www.w3.org/2000/01/rdf-schema#label",
           "http://www.w3.org/2004/02/skos/core#prefLabel")


def candidates(triples: Iterable[ox.Triple]) -> dict[str, str]:
    """IRI → label (English first) of every typed IRI in our namespaces."""
    typed: set[str] = set()
    labels: dict[str, str] = {}
    for t in triples:
        if not isinstance(t.subject, ox.NamedNode):
            continue
        iri = t.subject.value
        if not iri.startswith(OUR_NAMESPACES):
            continue
        if t.predicate.value == _TYPE:
            typed.add(iri)
        elif (t.predicate.value in _LABELS and isinstance(t.object, ox.Literal)
              and (t.object.language in (None, "en") or iri not in labels)):
            labels[iri] = t.object.value
    return {iri: labels.get(iri, _words(iri)) for iri in typed}


def suggest(unknown: str, known: Mapping[str, str], *, limit: int = 3,
            cutoff: float = 70.0) -> list[tuple[str, str]]:
    """Up to ``limit`` known ``(iri, label)`` pairs closest to ``unknown``, best first.

    Scores are the better of the unknown IRI's last segment against each candidate's
    (``oecd-directorat`` against ``oecd-directorate``: spelling) and its words against the
    candidate's label (word order ignored); candidates of the same kind (``/id/org/``) get a
    small bonus, and only those close to the best are kept."""
    if not known:
        return []
    slug = unknown.rstrip("/").rsplit("/", 1)[-1]
    kind = unknown.rsplit("/", 1)[0]
    scores: dict[str, float] = {}
    slugs = {iri: iri.rstrip("/").rsplit("/", 1)[-1] for iri in known}
    for _choice, score, iri in process.extract(slug, slugs, scorer=fuzz.ratio,
                                               limit=limit * 5, score_cutoff=cutoff):
        scores[iri] = max(scores.get(iri, 0.0), score)
    for _choice, score, iri in process.extract(_words(unknown), dict(known),
                                               scorer=fuzz.token_sort_ratio,
                                               processor=str.lower, limit=limit * 5,
                                               score_cutoff=cutoff):
        scores[iri] = max(scores.get(iri, 0.0), score)
    for iri in scores:
        if iri.rsplit("/", 1)[0] == kind:
            scores[iri] += 3
    if not scores:
        return []
    best = max(scores.values())
    ranked = sorted((iri for iri, score in scores.items() if score >= best - 10),
                    key=lambda iri: (-scores[iri], iri))
    return [(iri, known[iri]) for iri in ranked[:limit]]


def _words(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].replace("-", " ")
