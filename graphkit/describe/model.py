"""The data an entity page shows, the vocabulary terms it names, and how labels and dates
are chosen and written for a reader (no store access here)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from graphkit.namespaces import OGK, PREFIXES, compact

RDF = PREFIXES["rdf"]
RDFS = PREFIXES["rdfs"]
SKOS = PREFIXES["skos"]
DCT = PREFIXES["dcterms"]
PROV = PREFIXES["prov"]
ORG = PREFIXES["org"]
SCHEMA = PREFIXES["schema"]
FOAF = PREFIXES["foaf"]
CV = PREFIXES["cv"]
XSD = PREFIXES["xsd"]

TYPE = RDF + "type"
LABEL = RDFS + "label"
PREF_LABEL = SKOS + "prefLabel"
ALT_LABEL = SKOS + "altLabel"
DERIVED = PROV + "wasDerivedFrom"
QUALIFIED = PROV + "qualifiedDerivation"
QUOTE = OGK + "quote"

#: Properties whose values name a resource, best first.
LABELS = (LABEL, PREF_LABEL)
#: Read when a resource has no label.
NAMES = (DCT + "title", FOAF + "name", SCHEMA + "name")
#: The definition shown when hovering over a property or class.
DEFINITIONS = (SKOS + "definition", RDFS + "comment")
DESCRIPTIONS = (DCT + "description",)
#: Incoming properties through which a hash IRI joins its context's description.
QUALIFYING = (OGK + "context",)
#: Shown in their own places on a page, not among the statements.
SHOWN_APART = frozenset({TYPE, LABEL, PREF_LABEL, ALT_LABEL, DERIVED, QUALIFIED,
                         *DESCRIPTIONS})

# the reified relations: which property points from the node to which end
_AGENT = (ORG + "member", ORG + "heldBy", OGK + "participant")
_TARGET = (ORG + "organization", ORG + "postIn", OGK + "context")
_ROLE = (ORG + "role", CV + "role")
_RELATION_LINKS = (*_AGENT, *_TARGET, OGK + "onBehalfOf", OGK + "post")
_RELATION_FIELDS = (TYPE, LABEL, *_AGENT, *_TARGET, *_ROLE, OGK + "onBehalfOf",
                    OGK + "post", SCHEMA + "startDate", SCHEMA + "endDate")
MEMBERSHIP = ORG + "Membership"
POST = ORG + "Post"

Term = ox.NamedNode | ox.BlankNode | ox.Literal


# -- the data a page shows ------------------------------------------------------------------
@dataclass(frozen=True)
class Label:
    """A text in a language (``None``: no language tag)."""

    text: str
    language: str | None = None


@dataclass(frozen=True)
class Ref:
    """A resource as a page links to it: its IRI, the label to show and, for properties and
    classes, their definition."""

    iri: str
    label: Label
    definition: str | None = None

    @property
    def compact(self) -> str:
        return compact(self.iri)


@dataclass(frozen=True)
class Value:
    """One object of a statement: a resource (``ref``), a literal (``text``) or a blank
    node described in place (``nested``)."""

    ref: Ref | None = None
    text: str | None = None
    language: str | None = None
    datatype: str | None = None
    display: str | None = None
    nested: tuple[PropertyValues, ...] = ()


@dataclass(frozen=True)
class PropertyValues:
    """The values of one property, in a stable order."""

    property: Ref
    values: tuple[Value, ...]


@dataclass(frozen=True)
class Sentence:
    """A reified relation as a phrase: text and links, in order. ``node`` is the relation's
    own IRI (a membership, post or participation), ``heading`` the group it goes in."""

    heading: str
    node: Ref
    parts: tuple[str | Ref, ...]

    @property
    def text(self) -> str:
        return "".join(p if isinstance(p, str) else p.label.text for p in self.parts)


@dataclass(frozen=True)
class Evidence:
    """A source of a description and the sentences quoted from it."""

    source: Ref
    quotes: tuple[Label, ...]


@dataclass(frozen=True)
class Incoming:
    """Resources that link to the described one through ``property``: ``total`` of them,
    ``items`` from ``offset`` on."""

    property: Ref
    total: int
    offset: int
    items: tuple[Ref, ...]


@dataclass(frozen=True)
class Part:
    """A hash IRI described on the same page (``<x#speaker-y>``)."""

    ref: Ref
    fragment: str
    types: tuple[Ref, ...]
    statements: tuple[PropertyValues, ...]
    evidence: tuple[Evidence, ...]


@dataclass
class Description:
    """Everything an entity page shows about ``iri``."""

    iri: str
    label: Label
    alt_labels: list[Label] = field(default_factory=list)
    descriptions: list[Label] = field(default_factory=list)
    types: list[Ref] = field(default_factory=list)
    schema_types: list[str] = field(default_factory=list)
    statements: list[PropertyValues] = field(default_factory=list)
    summary: Sentence | None = None
    relations: list[Sentence] = field(default_factory=list)
    relations_truncated: bool = False
    incoming: list[Incoming] = field(default_factory=list)
    sources: list[Ref] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    parts: list[Part] = field(default_factory=list)
    graphs: list[str] = field(default_factory=list)
    neighbours: list[Ref] = field(default_factory=list)
    triples: list[ox.Triple] = field(default_factory=list)

    @property
    def incoming_total(self) -> int:
        return sum(group.total for group in self.incoming)


# -- languages and labels -------------------------------------------------------------------
def pick_label(literals: Iterable[ox.Literal], languages: Sequence[str] = ("en",)
               ) -> ox.Literal | None:
    """The literal best suited to a reader of ``languages`` (best first, like the ranges of
    an Accept-Language header): an exact tag, then the same primary language, then English,
    then no tag, then anything; ties go to the lexically smallest, for stable pages."""
    wanted = [lang.lower() for lang in languages if lang and lang != "*"]

    def rank(literal: ox.Literal) -> tuple[int, str]:
        tag = (literal.language or "").lower()
        for position, lang in enumerate(wanted):
            if tag == lang:
                return 4 * position, literal.value
            if tag and (tag.split("-")[0] == lang.split("-")[0]):
                return 4 * position + 1, literal.value
        if tag == "en" or tag.startswith("en-"):
            return 4 * len(wanted) + 1, literal.value
        if not tag:
            return 4 * len(wanted) + 2, literal.value
        return 4 * len(wanted) + 3, literal.value

    return min(literals, key=rank, default=None)


def _label_of(literal: ox.Literal) -> Label:
    return Label(literal.value, literal.language)


def local_name(iri: str) -> str:
    """The readable end of an IRI: after ``#`` or the last ``/``, dashes as spaces."""
    tail = re.split(r"[#/]", iri.rstrip("/#"))[-1] or iri
    return tail.replace("-", " ").replace("_", " ")


#: Labels and definitions of the common outside terms a page shows, for stores that do not
#: hold those vocabularies (the ontology graph has every ``ogk:`` term).
KNOWN_TERMS: dict[str, tuple[str, str]] = {
    TYPE: ("type", "The class of the resource."),
    LABEL: ("label", "A human-readable name of the resource."),
    RDFS + "comment": ("comment", "A note about the resource."),
    RDFS + "seeAlso": ("see also", "A resource with more information."),
    RDFS + "subClassOf": ("subclass of", "Every instance of this class is also one of that."),
    PREF_LABEL: ("preferred label", "The preferred name of the concept in a language."),
    ALT_LABEL: ("also known as", "An alternative name: acronym, other spelling or language."),
    SKOS + "hiddenLabel": ("hidden label", "A spelling kept for search, never shown."),
    SKOS + "definition": ("definition", "What the concept means."),
    SKOS + "exactMatch": ("exact match", "The same resource in another dataset."),
    SKOS + "closeMatch": ("close match", "A similar resource in another dataset."),
    SKOS + "broader": ("broader", "A more general concept."),
    SKOS + "narrower": ("narrower", "A more specific concept."),
    SKOS + "related": ("related", "An associated concept."),
    SKOS + "inScheme": ("in scheme", "The concept scheme the concept belongs to."),
    SKOS + "topConceptOf": ("top concept of", "The scheme the concept heads."),
    DCT + "title": ("title", "The title as printed."),
    DCT + "description": ("description", "An account of the resource."),
    DCT + "publisher": ("publisher", "Who made the resource available."),
    DCT + "creator": ("creator", "Who made the resource."),
    DCT + "contributor": ("contributor", "Who contributed to the resource."),
    DCT + "issued": ("issued", "When the resource was published."),
    DCT + "language": ("language", "The language of the resource."),
    DCT + "identifier": ("identifier", "An identifier of the resource."),
    DCT + "license": ("licence", "The licence the resource is published under."),
    DCT + "isPartOf": ("part of", "A resource this one is part of."),
    DCT + "source": ("source", "A resource this one comes from."),
    DERIVED: ("derived from", "The source document the description comes from."),
    QUALIFIED: ("qualified derivation", "The source and the quoted evidence."),
    PROV + "entity": ("source", "The source document of a derivation."),
    ORG + "member": ("member", "The agent that is a member."),
    ORG + "organization": ("organisation", "The organisation the membership is in."),
    ORG + "role": ("role", "The role in the membership or post."),
    ORG + "memberOf": ("member of", "An organisation the agent is a member of."),
    ORG + "hasMember": ("has member", "An agent that is a member of the organisation."),
    ORG + "subOrganizationOf": ("part of organisation", "The organisation this is a part of."),
    ORG + "hasSubOrganization": ("has part", "An organisation that is part of this one."),
    ORG + "classification": ("kind", "The kind of organisation."),
    ORG + "heldBy": ("held by", "The person who holds the post."),
    ORG + "holds": ("holds", "A post the person holds."),
    ORG + "postIn": ("post in", "The organisation the post belongs to."),
    ORG + "headOf": ("head of", "An organisation the person heads."),
    CV + "role": ("role", "The role in the participation."),
    FOAF + "name": ("name", "A name of the agent."),
    FOAF + "homepage": ("home page", "The home page."),
    SCHEMA + "startDate": ("start date", "When it starts or started."),
    SCHEMA + "endDate": ("end date", "When it ends or ended."),
    SCHEMA + "location": ("location", "Where it takes place."),
    SCHEMA + "email": ("e-mail", "A contact e-mail address."),
    SCHEMA + "url": ("web page", "A web page about it."),
    SCHEMA + "foundingDate": ("founded", "When the organisation was founded."),
    SCHEMA + "dissolutionDate": ("dissolved", "When the organisation was dissolved."),
    SCHEMA + "superEvent": ("part of event", "The event this one is part of."),
    SCHEMA + "subEvent": ("sub-event", "An event that is part of this one."),
    SCHEMA + "containedInPlace": ("in place", "The place this one lies in."),
    SCHEMA + "position": ("position", "The order among its siblings."),
    SCHEMA + "workFeatured": ("features", "A work presented or discussed."),
    SCHEMA + "about": ("about", "What it is about."),
    SCHEMA + "eventAttendanceMode": ("attendance", "Online, in person or mixed."),
    SCHEMA + "isAccessibleForFree": ("free of charge", "Whether taking part is free."),
    SCHEMA + "slogan": ("motto", "The motto or slogan."),
    SCHEMA + "translationOfWork": ("translation of", "The work this one translates."),
}



_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def format_date(literal: ox.Literal) -> str:
    """A date, month, year or date-time the way people write it (``4 September 2024``)."""
    value, datatype = literal.value, literal.datatype.value
    match = re.fullmatch(r"(-?\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}).*)?", value)
    if datatype in (XSD + "date", XSD + "dateTime") and match:
        year, month, day, hour, minute = match.groups()
        if not 1 <= int(month) <= 12:
            return value
        text = f"{int(day)} {_MONTHS[int(month) - 1]} {year}"
        return f"{text}, {hour}:{minute}" if hour is not None else text
    match = re.fullmatch(r"(-?\d{4})-(\d{2})", value)
    if datatype == XSD + "gYearMonth" and match and 1 <= int(match[2]) <= 12:
        return f"{_MONTHS[int(match[2]) - 1]} {match[1]}"
    return value


def format_literal(literal: ox.Literal) -> str | None:
    """How a typed literal reads on a page (``None``: as it is)."""
    datatype = literal.datatype.value
    if datatype in (XSD + "date", XSD + "dateTime", XSD + "gYearMonth", XSD + "gYear"):
        return format_date(literal)
    if datatype == XSD + "boolean":
        return "yes" if literal.value in ("true", "1") else "no"
    return None


def _literals(terms: Iterable[Term]) -> list[ox.Literal]:
    return [t for t in terms if isinstance(t, ox.Literal)]
