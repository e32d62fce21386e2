"""Popolo JSON (https://www.popoloproject.com/specs/) → RDF that fits the ontology.

Reads a Popolo export (``{"persons": [...], "organizations": [...], "memberships": [...],
"posts": [...], "events": [...], "areas": [...]}``) or one Popolo object of those classes,
with embedded objects (a person's memberships, an organization's posts...) flattened.

Mapping (each entity also ``prov:wasDerivedFrom`` the document's source document and the
object's own ``sources``, each a minted ``ogk:SourceDocument``):

========================  ===================================================================
Popolo                    RDF
========================  ===================================================================
Person                    ``ogk:Person`` ``id/person/<name>``; ``name`` → ``rdfs:label``
                          (honorifics dropped); name parts → ``schema:givenName`` ...;
                          ``email`` → ``schema:email``; ``birth_date`` → ``schema:birthDate``
Organization              ``ogk:Organisation`` (``ogk:Committee``, ``ogk:Network``... from
                          ``classification`` where it says so) ``id/org/<name>``;
                          ``classification`` → ``org:classification`` concept when the
                          organisation-types scheme has it, else an ``rdfs:comment``;
                          ``parent_id`` → ``org:subOrganizationOf``; founding/dissolution
Membership                ``org:Membership`` ``id/membership/<member>-in-<organisation>``;
                          ``org:member``, ``org:organization``, ``org:role`` (a concept of the
                          roles scheme when the words name one: councillor → member, mayor →
                          head, deputy mayor → vice-chair), ``ogk:post``, ``ogk:onBehalfOf``,
                          ``schema:startDate``/``endDate``; plus the shortcut ``org:memberOf``
                          (and ``ogk:chairs``... for the role)
Post                      ``org:Post`` ``id/post/<organisation>-<label>``; ``org:postIn``,
                          ``org:role``; ``org:heldBy`` from the memberships held through it
Event                     ``ogk:Event`` ``id/event/<name>``; dates; ``location`` → a minted
                          ``ogk:Place``; ``organization_id`` → ``ogk:organises``; ``attendees``
                          → ``ogk:Participation`` nodes; ``parent_id`` → ``schema:superEvent``
Area                      ``ogk:Place`` (``ogk:Country`` when classified so) ``id/place/<name>``;
                          ``parent_id`` → ``schema:containedInPlace``
``id``                    ``dcterms:identifier`` (and ``skos:exactMatch`` when it is an IRI)
``identifiers``           ``adms:identifier [ skos:notation; adms:schemeAgency ]``, or
                          ``skos:exactMatch`` for IRIs and Wikidata ids
``other_names``           ``skos:altLabel``
``contact_details``       ``schema:contactPoint [ a schema:ContactPoint ... ]``
``links``                 ``rdfs:seeAlso``
``image``, ``images``     ``schema:image``
``sources``               ``prov:wasDerivedFrom`` a source document per URL
========================  ===================================================================

Text is tagged with the ``language`` given (English by default). A reference to an id the
document does not define is left out, with a warning; so are the parts of Popolo this
graph does not model (motions, votes, speeches, name dates).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from graphkit.errors import ConversionError, InputError, InputProblem
from graphkit.importers import ImportResult, Vocabulary
from graphkit.importers.popolo_mapping import (
    COLLECTIONS,
    NOT_MODELLED,
    SINGULAR,
    Json,
    PopoloMapper,
    SourceInfo,
)
from graphkit.nesting import Nesting, too_deep

__all__ = ["COLLECTIONS", "SourceInfo", "import_popolo", "popolo_kind", "popolo_to_rdf",
           "read_popolo"]


# -- reading ------------------------------------------------------------------------------
def read_popolo(data: bytes | str, *, name: str = "<popolo>") -> Json:
    """The JSON object of a Popolo document; a syntax error names its line and column."""
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    except UnicodeDecodeError as error:
        raise InputError(f"{name}: not UTF-8 text ({error})") from None
    deep = too_deep([text.encode()], Nesting.JSON)  # json.loads recurses: refuse first
    if deep is not None:
        raise ConversionError("nested too deeply", file=name, problems=[InputProblem(
            deep.message(), line=deep.line, column=deep.column)])
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ConversionError("not JSON", file=name, problems=[InputProblem(
            error.msg, line=error.lineno, column=error.colno)]) from None
    if not isinstance(document, dict):
        raise ConversionError("not a Popolo document", file=name, problems=[InputProblem(
            f"the document is a JSON {type(document).__name__}, not an object with "
            "persons, organizations, memberships, posts, events or areas", line=1)])
    return document


def popolo_kind(obj: Mapping[str, Any]) -> str:
    """Which Popolo class a single object is (``person``, ``organization``, ...), from the
    fields only that class has; raises :class:`ConversionError` for other classes."""
    keys = {k for k in obj if not k.startswith("@")}
    not_read = _unsupported_class(keys)
    if not_read:
        raise ConversionError("not a Popolo class this importer reads", problems=[
            InputProblem(f"this looks like a Popolo {not_read}; the importer reads "
                         "persons, organizations, memberships, posts, events and areas")])
    if keys & {"person_id", "person", "member", "post_id", "post", "on_behalf_of_id",
               "on_behalf_of"}:
        return "membership"
    if "label" in keys and "name" not in keys:
        return "post"
    if keys & {"start_date", "end_date", "location", "status", "attendees",
               "organization_id"}:
        return "event"
    if keys & {"identifier", "geometry", "children"}:
        return "area"
    person_fields = {"given_name", "family_name", "additional_name", "honorific_prefix",
                     "honorific_suffix", "patronymic_name", "sort_name", "email", "gender",
                     "birth_date", "death_date", "summary", "biography", "national_identity"}
    if keys & person_fields:
        return "person"
    if keys & {"classification", "founding_date", "dissolution_date", "parent_id",
               "area_id", "posts", "abstract"}:
        return "organization"
    memberships = obj.get("memberships")
    if isinstance(memberships, list) and any(
            isinstance(m, dict) and "person_id" in m for m in memberships):
        return "organization"
    if "name" in keys:
        return "person"
    raise ConversionError("not a Popolo document", problems=[InputProblem(
        "found none of persons, organizations, memberships, posts, events, areas, and "
        "the object is none of those classes either")])


def _unsupported_class(keys: set[str]) -> str | None:
    if keys & {"voter_id", "vote_event_id"}:
        return "Vote"
    if keys & {"counts", "votes", "group_results", "motion"}:
        return "VoteEvent"
    if keys & {"attribution_text", "audio", "video"} or {"creator_id", "event_id"} <= keys:
        return "Speech"
    if keys & {"requirement", "vote_events"} or {"creator_id", "text"} <= keys:
        return "Motion"
    if {"option", "value"} <= keys:
        return "Count"
    if {"type", "value"} <= keys and "name" not in keys:
        return "ContactDetail (part of a person, organization, membership or post)"
    return None


def _collections(document: Json, *, kind: str | None,
                 warnings: list[str]) -> dict[str, list[Json]]:
    """The six collections, embedded objects flattened into them with their implied
    references filled in, and objects with the same id merged."""
    found: dict[str, list[Json]] = {name: [] for name in COLLECTIONS}
    if kind is None and _is_export(document):
        for name in COLLECTIONS:
            items = document.get(name) or []
            if not isinstance(items, list):
                raise ConversionError("not a Popolo document", problems=[InputProblem(
                    f"{name} is a JSON {type(items).__name__}, not a list", path=name)])
            for index, item in enumerate(items):
                if not isinstance(item, dict):
                    raise ConversionError("not a Popolo document", problems=[InputProblem(
                        f"an entry of {name} is not an object", path=f"{name}[{index}]")])
                _flatten(name, dict(item), found, {})
        for key, value in document.items():
            if key in COLLECTIONS or key.startswith("@"):
                continue
            if key in NOT_MODELLED and value:
                warnings.append(f"{len(value)} {key} left out: the graph does not model them")
            elif key not in NOT_MODELLED:
                warnings.append(f"top-level field {key!r} left out")
    else:
        single = kind or popolo_kind(document)
        plural = next(n for n, s in SINGULAR.items() if s == single)
        _flatten(plural, dict(document), found, {})
    return {name: _merged(items) for name, items in found.items()}


def _is_export(document: Json) -> bool:
    """An export lists collections; a single organization or person may embed its own
    ``memberships`` and ``posts``, but has its ``id``, ``name`` or ``label`` too."""
    if any(isinstance(document.get(n), list) for n in ("persons", "organizations",
                                                        "events", "areas")):
        return True
    return any(isinstance(document.get(n), list) for n in ("memberships", "posts")) and \
        not any(k in document for k in ("id", "name", "label"))


def _flatten(collection: str, obj: Json, found: dict[str, list[Json]],
             implied: Mapping[str, str]) -> None:
    """Add ``obj`` to its collection and its embedded objects to theirs."""
    for key, value in implied.items():
        obj.setdefault(key, value)
    own_id = obj.get("id")
    if collection == "memberships":
        for field, target in (("person", "persons"), ("organization", "organizations"),
                              ("post", "posts"), ("on_behalf_of", "organizations")):
            embedded = obj.pop(field, None)
            if isinstance(embedded, dict):
                _flatten(target, dict(embedded), found, {})
                if embedded.get("id") is not None:
                    obj.setdefault(f"{field}_id", embedded["id"])
        member = obj.get("member")
        if isinstance(member, dict) and len(member) > 2:  # an embedded agent, not a reference
            target = "organizations" if str(member.get("@type", "")).lower() == \
                "organization" else "persons"
            _flatten(target, {k: v for k, v in member.items() if k != "@type"}, found, {})
    if collection == "posts":
        embedded = obj.pop("organization", None)
        if isinstance(embedded, dict):
            _flatten("organizations", dict(embedded), found, {})
            obj.setdefault("organization_id", embedded.get("id"))
    memberships = obj.pop("memberships", None)
    if isinstance(memberships, list) and own_id is not None:
        link = {"persons": "person_id", "organizations": "organization_id",
                "posts": "post_id"}.get(collection)
        extra: dict[str, str] = {link: own_id} if link else {}
        if collection == "posts" and obj.get("organization_id"):
            extra["organization_id"] = obj["organization_id"]
        for membership in memberships:
            if isinstance(membership, dict):
                _flatten("memberships", dict(membership), found, extra)
    posts = obj.pop("posts", None)
    if isinstance(posts, list) and collection == "organizations" and own_id is not None:
        for post in posts:
            if isinstance(post, dict):
                _flatten("posts", dict(post), found, {"organization_id": own_id})
    found[collection].append(obj)


def _merged(items: list[Json]) -> list[Json]:
    """One object per id (the fields of later mentions fill the gaps of the first)."""
    by_id: dict[str, Json] = {}
    result: list[Json] = []
    for item in items:
        key = item.get("id")
        if key is None:
            result.append(item)
            continue
        key = str(key)
        if key in by_id:
            for field, value in item.items():
                by_id[key].setdefault(field, value)
            continue
        by_id[key] = item
        result.append(item)
    return result


# -- mapping ------------------------------------------------------------------------------
def import_popolo(source: Path | bytes, *, base_iri: str, info: SourceInfo | None = None,
                  vocabulary: Vocabulary | None = None, language: str = "en",
                  kind: str | None = None) -> ImportResult:
    """Read a Popolo file (or its bytes) and map it to RDF; see :func:`popolo_to_rdf`."""
    if isinstance(source, Path):
        if not source.is_file():
            raise InputError(f"{source}: no such file")
        document = read_popolo(source.read_bytes(), name=str(source))
        info = info or SourceInfo.for_file(source)
    else:
        document = read_popolo(source)
        info = info or SourceInfo(slug="popolo-import", title="Popolo data")
    return popolo_to_rdf(document, base_iri=base_iri, info=info, vocabulary=vocabulary,
                         language=language, kind=kind)


def popolo_to_rdf(document: Json, *, base_iri: str, info: SourceInfo,
                  vocabulary: Vocabulary | None = None, language: str = "en",
                  kind: str | None = None) -> ImportResult:
    """Map a Popolo document to RDF in our namespace under ``base_iri``.

    ``kind`` forces the class of a single-object document (``person``, ``organization``,
    ``membership``, ``post``, ``event``, ``area``) where :func:`popolo_kind` would guess.
    """
    mapper = PopoloMapper(base_iri=base_iri, info=info, vocabulary=vocabulary, language=language)
    collections = _collections(document, kind=kind, warnings=mapper.result.warnings)
    return mapper.run(collections)


