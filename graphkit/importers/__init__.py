"""Importers: the formats contributors already have, turned into RDF that fits the ontology.

- :mod:`graphkit.importers.csv`: CSV templates (organisations, people and posts,
  memberships, events, publications; the columns in
  :mod:`graphkit.importers.csv_templates`), problems reported by row and column.
- :mod:`graphkit.importers.popolo`: Popolo JSON (persons, organizations, memberships, posts,
  events, areas).
- :mod:`graphkit.importers.media`: an uploaded document by its media type (any RDF syntax
  we parse, or a CSV template), for the contribution workflow.
- :mod:`graphkit.importers.command`: ``graphkit import csv|popolo FILE`` as a library call.

Both mint entity IRIs ``<base>id/<kind>/<slug>`` with the slug rules of
``docs/modelling.md`` (:func:`slugify`) and give back an :class:`ImportResult`: the
triples, what was skipped (``warnings``) and how many entities of each class arrived.

>>> slugify("Break O'Day Council")
'break-oday-council'
>>> slugify("Hernán Larraín")
'hernan-larrain'
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from graphkit.formats import RdfFormat

__all__ = [
    "ImportResult",
    "Minter",
    "Vocabulary",
    "date_literal",
    "is_slug",
    "slugify",
]

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
ORG = "http://www.w3.org/ns/org#"
FOAF = "http://xmlns.com/foaf/0.1/"
PROV = "http://www.w3.org/ns/prov#"
SCHEMA = "https://schema.org/"
CV = "http://data.europa.eu/m8g/"
ADMS = "http://www.w3.org/ns/adms#"
OGK = "https://w3id.org/ogkg/ns#"
LANGUAGE_AUTHORITY = "http://publications.europa.eu/resource/authority/language/"

TYPE = ox.NamedNode(RDF + "type")
LABEL = ox.NamedNode(RDFS + "label")

#: Entity kinds of the IRI scheme (DESIGN.md, "IRIs").
KINDS = ("org", "network", "person", "post", "membership", "initiative", "plan", "commitment",
         "publication", "event", "agenda-item", "place", "source")

_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
# letters NFKD does not take apart
_TRANSLITERATE = str.maketrans({
    "ß": "ss", "æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o", "œ": "oe", "Œ": "oe", "đ": "d",
    "Đ": "d", "ł": "l", "Ł": "l", "þ": "th", "Þ": "th", "ð": "d", "Ð": "d", "ı": "i",
    "&": " and ",
})
_APOSTROPHES = re.compile(r"['’ʼ`´]")

# the lexical forms of xsd:gYear, xsd:gYearMonth, xsd:date
_DATES = (
    (re.compile(r"^[0-9]{4}$"), "gYear"),
    (re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$"), "gYearMonth"),
    (re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"), "date"),
)
_DATE_TIME = re.compile(r"^([0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
                        r"T(?:[01][0-9]|2[0-3]):[0-5][0-9])(:[0-5][0-9](?:[.][0-9]+)?)?"
                        r"(Z|[+-][0-9]{2}:[0-9]{2})$")
_LOCAL_TIME = re.compile(r"^([0-9]{4}-[0-9]{2}-[0-9]{2})[T ][0-9:.]+$")


def slugify(text: str) -> str:
    """The slug of a name: lower-case ASCII words joined by ``-``; accents transliterated,
    apostrophes dropped, other punctuation a word break (``docs/modelling.md`` section 2).
    Empty when the name has no Latin letters or digits."""
    text = _APOSTROPHES.sub("", text.translate(_TRANSLITERATE))
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def is_slug(text: str) -> bool:
    return bool(_SLUG.match(text))


def date_literal(text: str) -> ox.Literal | None:
    """A date as the most precise of ``xsd:gYear``, ``xsd:gYearMonth``, ``xsd:date`` or
    ``xsd:dateTime`` (with its offset) its text allows; a time without an offset becomes
    its date (the modelling guide never guesses an offset). ``None`` if it is no date."""
    text = text.strip()
    local = _LOCAL_TIME.match(text)
    if local:
        text = local.group(1)
    for pattern, datatype in _DATES:
        if pattern.match(text):
            if datatype == "date" and not _real_day(text):
                return None
            return ox.Literal(text, datatype=ox.NamedNode(XSD + datatype))
    timed = _DATE_TIME.match(text)
    if timed and _real_day(text[:10]):
        minutes, seconds, offset = timed.groups()
        return ox.Literal(f"{minutes}{seconds or ':00'}{offset}",
                          datatype=ox.NamedNode(XSD + "dateTime"))
    return None


def _real_day(text: str) -> bool:
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


class Minter:
    """Mints entity IRIs ``<base>id/<kind>/<slug>``, each slug once per kind.

    A name whose slug is taken gets ``-2``, ``-3``…; a name with no Latin letters falls back
    to the ``fallback`` text, then to ``<kind>-<n>``.

    >>> minter = Minter("https://w3id.org/ogkg/")
    >>> minter.mint("person", "Jane Doe"), minter.mint("person", "Jane Doe")
    ('https://w3id.org/ogkg/id/person/jane-doe', 'https://w3id.org/ogkg/id/person/jane-doe-2')
    """

    def __init__(self, base_iri: str) -> None:
        self.base_iri = base_iri
        self._taken: dict[str, set[str]] = {}

    def iri(self, kind: str, slug: str) -> str:
        return f"{self.base_iri}id/{kind}/{slug}"

    def taken(self, kind: str, slug: str) -> bool:
        return slug in self._taken.get(kind, set())

    def claim(self, kind: str, slug: str) -> bool:
        """Reserve ``slug`` as given (a contributor's own id); ``False`` if already taken."""
        taken = self._taken.setdefault(kind, set())
        if slug in taken:
            return False
        taken.add(slug)
        return True

    def mint(self, kind: str, name: str, *, fallback: str = "") -> str:
        taken = self._taken.setdefault(kind, set())
        base = slugify(name) or slugify(fallback) or f"{kind}-{len(taken) + 1}"
        base = base[:80].strip("-")
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        taken.add(slug)
        return self.iri(kind, slug)


@dataclass
class ImportResult:
    """What an importer made: the triples, what it left out and why, and a count of the
    entities of each class (``{"ogk:Person": 263, ...}``)."""

    triples: list[ox.Triple] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    sources: list[str] = field(default_factory=list)

    def add(self, subject: ox.NamedNode | ox.BlankNode, predicate: str,
            value: ox.NamedNode | ox.BlankNode | ox.Literal) -> None:
        self.triples.append(ox.Triple(subject, ox.NamedNode(predicate), value))

    def __len__(self) -> int:
        return len(self.triples)

    def __iter__(self) -> Iterator[ox.Triple]:
        return iter(self.triples)

    def serialize(self, format: RdfFormat = RdfFormat.TURTLE) -> bytes:
        """The triples as one RDF document (Turtle with our prefixes by default)."""
        from graphkit.namespaces import PREFIXES

        if format.supports_datasets:
            format = RdfFormat.N_TRIPLES if format is RdfFormat.N_QUADS else RdfFormat.TURTLE
        prefixes = PREFIXES if format in (RdfFormat.TURTLE, RdfFormat.TRIG) else None
        data = ox.serialize(self.triples, format=format.oxigraph, prefixes=prefixes)
        return data or b""


class Vocabulary:
    """The concepts of our SKOS schemes, to check a contributor's codes before validation
    (``themes`` → ``{"trust", ...}``). Built from ``ontology/schemes/*.ttl`` or a store."""

    SCHEMES = ("themes", "values", "roles", "organisation-types", "publication-types",
               "event-types")

    def __init__(self, concepts: dict[str, set[str]], *, base_iri: str) -> None:
        self.concepts = concepts
        self.base_iri = base_iri

    def scheme_iri(self, scheme: str) -> str:
        return f"{self.base_iri}scheme/{scheme}"

    def concept_iri(self, scheme: str, slug: str) -> str:
        return f"{self.base_iri}scheme/{scheme}/{slug}"

    def knows(self, scheme: str, slug: str) -> bool:
        return slug in self.concepts.get(scheme, set())

    def slugs(self, scheme: str) -> list[str]:
        return sorted(self.concepts.get(scheme, set()))

    @classmethod
    def from_triples(cls, triples: Iterable[ox.Triple | ox.Quad], *,
                     base_iri: str) -> Vocabulary:
        in_scheme = SKOS + "inScheme"
        prefix = f"{base_iri}scheme/"
        concepts: dict[str, set[str]] = {}
        for triple in triples:
            if triple.predicate.value != in_scheme or not isinstance(triple.object,
                                                                     ox.NamedNode):
                continue
            scheme = triple.object.value
            assert not isinstance(triple.subject, ox.Triple)  # RDF-star subjects never occur here
            concept = triple.subject.value
            if scheme.startswith(prefix) and concept.startswith(scheme + "/"):
                concepts.setdefault(scheme[len(prefix):], set()).add(
                    concept[len(scheme) + 1:])
        return cls(concepts, base_iri=base_iri)

    @classmethod
    def from_files(cls, folder: Path, *, base_iri: str) -> Vocabulary:
        """The concepts of every ``*.ttl`` in ``folder`` (``ontology/schemes``)."""
        quads: list[ox.Quad] = []
        for path in sorted(folder.glob("*.ttl")):
            quads.extend(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
        return cls.from_triples(quads, base_iri=base_iri)

    @classmethod
    def from_store(cls, store: object, *, base_iri: str) -> Vocabulary:
        """The concepts in a store (any :class:`~graphkit.stores.Store`)."""
        from graphkit.stores.base import Store

        assert isinstance(store, Store)
        result = store.query(
            f"SELECT ?c ?s WHERE {{ ?c <{in_scheme_iri()}> ?s . "
            f"FILTER(STRSTARTS(STR(?s), \"{base_iri}scheme/\")) }}")
        triples = [ox.Triple(concept, ox.NamedNode(in_scheme_iri()), row["s"])
                   for row in result.rows() if isinstance(concept := row.get("c"), ox.NamedNode)]
        return cls.from_triples(triples, base_iri=base_iri)


def in_scheme_iri() -> str:
    return SKOS + "inScheme"


# -- shared vocabulary mappings ---------------------------------------------------------
#: Words for roles (Popolo's free text, CSV cells) → the concept of the roles scheme.
ROLE_WORDS: dict[str, str] = {
    "member": "member", "councillor": "member", "councilor": "member",
    "alderman": "member", "alderwoman": "member", "representative": "member",
    "senator": "member", "mp": "member",
    "chair": "chair", "chairman": "chair", "chairwoman": "chair", "chairperson": "chair",
    "co-chair": "co-chair", "cochair": "co-chair",
    "vice-chair": "vice-chair", "vice-chairman": "vice-chair", "vice-president": "vice-chair",
    "deputy-chair": "vice-chair", "deputy-mayor": "vice-chair", "deputy-lord-mayor": "vice-chair",
    "head": "head", "mayor": "head", "lord-mayor": "head", "director": "head",
    "minister": "minister", "delegate": "delegate", "observer": "observer",
    "partner": "partner", "affiliate": "affiliate", "secretariat": "secretariat",
    "convener": "convener", "coordinator": "coordinator", "lead": "lead", "host": "host",
    "funder": "funder", "organiser": "organiser", "organizer": "organiser",
    "moderator": "moderator", "presenter": "presenter", "adviser": "adviser",
    "advisor": "adviser", "trainer": "trainer", "contributor": "contributor",
    "participant": "participant", "contact-point": "contact-point",
}

#: The shortcut triple each role implies (``docs/modelling.md`` section 7), member → object.
ROLE_SHORTCUTS: dict[str, str] = {
    "chair": OGK + "chairs", "co-chair": OGK + "coChairs", "convener": OGK + "convenes",
    "coordinator": OGK + "coordinates", "lead": OGK + "leads", "host": OGK + "hosts",
    "organiser": OGK + "organises", "funder": OGK + "funds", "adviser": OGK + "advises",
    "contributor": OGK + "contributesTo",
}

#: Organisation kinds in other words → (class local name, organisation-types concept).
ORGANISATION_WORDS: dict[str, tuple[str, str | None]] = {
    "committee": ("Committee", None), "council": ("Organisation", None),
    "working-party": ("WorkingParty", None), "working-group": ("WorkingGroup", None),
    "task-force": ("TaskForce", None), "taskforce": ("TaskForce", None),
    "network": ("Network", None),
    "government": ("Organisation", "government"), "ministry": ("Organisation", "ministry"),
    "department": ("Organisation", "ministry"),
    "agency": ("Organisation", "government-agency"),
    "government-agency": ("Organisation", "government-agency"),
    "local-government": ("Organisation", "local-government"),
    "municipality": ("Organisation", "local-government"),
    "parliament": ("Organisation", "parliament"),
    "chamber": ("Organisation", "parliamentary-chamber"),
    "parliamentary-chamber": ("Organisation", "parliamentary-chamber"),
    "parliamentary-group": ("Organisation", "parliamentary-group"),
    "company": ("Organisation", "company"), "corporation": ("Organisation", "company"),
    "business": ("Organisation", "company"),
    "ngo": ("Organisation", "civil-society-organisation"),
    "civil-society-organisation": ("Organisation", "civil-society-organisation"),
    "international-organisation": ("Organisation", "international-organisation"),
    "intergovernmental-organisation": ("Organisation", "intergovernmental-organisation"),
    "research-organisation": ("Organisation", "research-organisation"),
}


def role_concept(text: str) -> str | None:
    """The roles-scheme slug for a role in words (``"Deputy Mayor"`` → ``vice-chair``)."""
    return ROLE_WORDS.get(slugify(text))
