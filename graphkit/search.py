"""Finding resources by name: labels and alternative labels in every language.

:class:`SearchIndex` is built from a store (:meth:`SearchIndex.build`) and answers
:meth:`SearchIndex.search` in four tiers, best first:

1. **exact**: the whole name, compared accent- and case-insensitively;
2. **prefix**: a name that starts with the query;
3. **words**: every word of the query starts a word of the name, in any order;
4. **fuzzy**: a name close to the query (rapidfuzz), for typos.

Within a tier preferred labels come before alternative ones, then shorter names. Names are
compared after :func:`normalise`, so ``"hernan larrain"`` finds ``"Hernán Larraín"``.

>>> from graphkit.stores import OxigraphStore
>>> store = OxigraphStore()
>>> store.update('INSERT DATA { <https://w3id.org/ogkg/id/person/hernan-larrain> '
...              '<http://www.w3.org/2000/01/rdf-schema#label> "Hernán Larraín"@en }')
>>> [hit.label.text for hit in SearchIndex.build(store).search("hernan larr")]
['Hernán Larraín']
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum

import pyoxigraph as ox
from rapidfuzz import fuzz, process

from graphkit.describe import Label, pick_label, select
from graphkit.errors import UsageError
from graphkit.namespaces import PREFIXES
from graphkit.stores.base import Store

__all__ = ["Hit", "SearchIndex", "Tier", "normalise"]

RDFS = PREFIXES["rdfs"]
SKOS = PREFIXES["skos"]
#: The naming properties searched, and how much each counts (lower is better).
NAME_PROPERTIES: dict[str, int] = {
    RDFS + "label": 0,
    SKOS + "prefLabel": 0,
    PREFIXES["dcterms"] + "title": 1,
    PREFIXES["foaf"] + "name": 1,
    SKOS + "altLabel": 2,
    SKOS + "hiddenLabel": 3,
}
DISPLAY = (RDFS + "label", SKOS + "prefLabel", PREFIXES["dcterms"] + "title",
           PREFIXES["foaf"] + "name")
#: Fewer characters than this and the fuzzy tier is skipped (it would match anything).
FUZZY_MIN = 3
FUZZY_CUTOFF = 80.0
#: At most this many names are looked at per word of the query in the words tier.
WORD_SCAN = 20_000


class Tier(str, Enum):
    EXACT = "exact"
    PREFIX = "prefix"
    WORDS = "words"
    FUZZY = "fuzzy"


_TIER_ORDER = {tier: i for i, tier in enumerate(Tier)}


@dataclass(frozen=True)
class Hit:
    """One resource found: its IRI, the label to show, the name that matched (maybe an
    alternative label in another language), its classes, and how it matched."""

    iri: str
    label: Label
    matched: Label
    types: tuple[str, ...]
    tier: Tier
    score: float


#: Letters that Unicode does not decompose into a base letter and an accent.
_LETTERS = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d",
                          "þ": "th", "ı": "i", "ħ": "h"})


def normalise(text: str) -> str:
    """Lower case, accents removed, punctuation as spaces: ``"Hernán  Larraín!"`` →
    ``"hernan larrain"``; ``"Œuvre"`` → ``"oeuvre"``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LETTERS))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.findall(r"\w+", bare))


@dataclass(frozen=True)
class _Name:
    resource: int
    text: str  # normalised
    original: Label
    weight: int


class SearchIndex:
    """The names of the resources of a store, ready to search. Build it with
    :meth:`build`; it does not follow later changes to the store (build a new one)."""

    def __init__(self, names: list[_Name], iris: list[str],
                 labels: list[list[ox.Literal]], types: list[frozenset[str]]) -> None:
        self._names = names
        self._iris = iris
        self._labels = labels
        self._types = types
        self._exact: dict[str, list[int]] = defaultdict(list)
        for i, name in enumerate(names):
            self._exact[name.text].append(i)
        self._sorted = sorted((name.text, i) for i, name in enumerate(names))
        self._sorted_texts = [text for text, _ in self._sorted]
        words = {(word, i) for i, name in enumerate(names) for word in name.text.split()}
        self._words = sorted(words)
        self._word_texts = [word for word, _ in self._words]
        # fuzzy candidates, shortest first: a query is compared whole with every name, and
        # with the best-matching part of the names at least as long as itself
        self._choices = sorted(dict.fromkeys(name.text for name in names), key=len)
        self._choice_lengths = [len(text) for text in self._choices]

    def __len__(self) -> int:
        """The number of resources with at least one name."""
        return len(self._iris)

    @classmethod
    def build(cls, store: Store, *, include: Callable[[str], bool] | None = None,
              classes_of: dict[str, frozenset[str]] | None = None) -> SearchIndex:
        """Read every name in ``store`` (of the IRIs ``include`` accepts, all by default).

        A resource's types are its ``rdf:type`` values and their superclasses
        (``rdfs:subClassOf``, as the store has them), so a search for organisations finds
        working parties too.
        """
        properties = ", ".join(f"<{p}>" for p in NAME_PROPERTIES)
        rows = select(store, f"SELECT ?s ?p ?l WHERE {{ ?s ?p ?l FILTER(?p IN ({properties}) "
                           f"&& isIRI(?s) && isLiteral(?l)) }}")
        index: dict[str, int] = {}
        iris: list[str] = []
        labels: list[list[ox.Literal]] = []
        names: list[_Name] = []
        seen: set[tuple[int, str, str | None, int]] = set()
        for row in rows:
            iri = row["s"].value
            if include is not None and not include(iri):
                continue
            literal = row["l"]
            assert isinstance(literal, ox.Literal)
            position = index.get(iri)
            if position is None:
                position = index[iri] = len(iris)
                iris.append(iri)
                labels.append([])
            prop = row["p"].value
            if prop in DISPLAY:
                labels[position].append(literal)
            text = normalise(literal.value)
            key = (position, literal.value, literal.language, NAME_PROPERTIES[prop])
            if text and key not in seen:
                seen.add(key)
                names.append(_Name(position, text, Label(literal.value, literal.language),
                                   NAME_PROPERTIES[prop]))
        direct: dict[str, set[str]] = defaultdict(set)
        for row in select(store, "SELECT ?s ?t WHERE { ?s a ?t FILTER(isIRI(?s) && isIRI(?t)) }"
                               ):
            iri = row["s"].value
            if iri in index:
                direct[iri].add(row["t"].value)
        supers = classes_of if classes_of is not None else superclasses(store)
        types = []
        for iri in iris:
            found: set[str] = set()
            for t in direct.get(iri, ()):
                found.add(t)
                found.update(supers.get(t, ()))
            types.append(frozenset(found))
        return cls(names, iris, labels, types)

    def search(self, query: str, *, type: str | Sequence[str] | None = None, limit: int = 10,
               languages: Sequence[str] = ("en",)) -> list[Hit]:
        """The resources whose names match ``query``, best first, at most ``limit``;
        ``type`` keeps those of that class (or any of those classes), IRIs."""
        if limit < 1:
            raise UsageError("limit must be at least 1")
        wanted = normalise(query)
        if not wanted:
            return []
        classes = None if type is None else frozenset([type] if isinstance(type, str) else type)
        best: dict[int, tuple[int, int, int, str, int, float]] = {}

        def consider(name_index: int, tier: Tier, score: float) -> None:
            name = self._names[name_index]
            if classes is not None and not (self._types[name.resource] & classes):
                return
            rank = (_TIER_ORDER[tier], name.weight, len(name.text), name.text, name_index,
                    -score)
            current = best.get(name.resource)
            if current is None or rank < current:
                best[name.resource] = rank

        for i in self._exact.get(wanted, ()):
            consider(i, Tier.EXACT, 100.0)
        start = bisect.bisect_left(self._sorted_texts, wanted)
        for position in range(start, len(self._sorted)):
            text, i = self._sorted[position]
            if not text.startswith(wanted):
                break
            consider(i, Tier.PREFIX, 100.0)
            if len(best) >= limit * 20:
                break
        if len(best) < limit:
            for i in self._word_matches(wanted.split()):
                consider(i, Tier.WORDS, 100.0)
        if len(best) < limit and len(wanted) >= FUZZY_MIN:
            for text, score in self._fuzzy(wanted, limit * 4):
                for i in self._exact.get(text, ()):
                    consider(i, Tier.FUZZY, score)
        ranked = sorted(best.items(), key=lambda item: item[1])[:limit]
        hits = []
        for resource, rank in ranked:
            name = self._names[rank[4]]
            shown = pick_label(self._labels[resource], languages)
            hits.append(Hit(self._iris[resource],
                            Label(shown.value, shown.language) if shown else name.original,
                            name.original, tuple(sorted(self._types[resource])),
                            list(Tier)[rank[0]], -rank[5]))
        return hits

    def _word_matches(self, words: list[str]) -> list[int]:
        """Names of the resources that have, for every query word, a word starting with it
        in one of their names ("oecd wpog": a label with OECD, an alternative label WPOG).
        Of each resource, the names holding the first word."""
        resources: set[int] | None = None
        holding: list[int] = []
        for position_in_query, word in enumerate(words):
            found: set[int] = set()
            start = bisect.bisect_left(self._word_texts, word)
            for position in range(start, min(len(self._words), start + WORD_SCAN)):
                text, i = self._words[position]
                if not text.startswith(word):
                    break
                found.add(self._names[i].resource)
                if position_in_query == 0:
                    holding.append(i)
            resources = found if resources is None else resources & found
            if not resources:
                return []
        return [i for i in holding if self._names[i].resource in (resources or ())]

    def _fuzzy(self, wanted: str, limit: int) -> list[tuple[str, float]]:
        """Names close to ``wanted``: the whole name (typos), or the best part of a longer
        name; a name much shorter than the query never matches a part of it."""
        scores: dict[str, float] = {}
        for text, score, _ in process.extract(wanted, self._choices, scorer=fuzz.ratio,
                                              limit=limit, score_cutoff=FUZZY_CUTOFF):
            scores[text] = float(score)
        longer = self._choices[bisect.bisect_left(self._choice_lengths, len(wanted)):]
        for text, score, _ in process.extract(wanted, longer, scorer=fuzz.partial_ratio,
                                              limit=limit, score_cutoff=FUZZY_CUTOFF + 5):
            scores[text] = max(scores.get(text, 0.0), float(score) - 5)
        return sorted(scores.items(), key=lambda item: -item[1])[:limit]


def superclasses(store: Store) -> dict[str, frozenset[str]]:
    """``{class: every superclass}`` from the ``rdfs:subClassOf`` statements of the store."""
    found: dict[str, set[str]] = defaultdict(set)
    for row in select(store, f"SELECT ?c ?super WHERE {{ ?c <{RDFS}subClassOf>+ ?super "
                           "FILTER(isIRI(?c) && isIRI(?super)) }"):
        found[row["c"].value].add(row["super"].value)
    return {c: frozenset(s) for c, s in found.items()}
