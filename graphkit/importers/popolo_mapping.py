"""The Popolo mapping itself: one :class:`PopoloMapper` turns the flattened collections of a
Popolo document into triples (the table of :mod:`graphkit.importers.popolo` says how)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from graphkit.errors import ConversionError, InputProblem
from graphkit.importers import (
    ADMS,
    CV,
    DCTERMS,
    OGK,
    ORG,
    ORGANISATION_WORDS,
    PROV,
    RDFS,
    ROLE_SHORTCUTS,
    SCHEMA,
    SKOS,
    ImportResult,
    Minter,
    Vocabulary,
    date_literal,
    role_concept,
    slugify,
)

__all__ = ["COLLECTIONS", "NOT_MODELLED", "SINGULAR", "Json", "PopoloMapper", "SourceInfo"]

#: The Popolo collections read, in the order they are minted.
COLLECTIONS = ("areas", "organizations", "persons", "posts", "events", "memberships")
SINGULAR = {"areas": "area", "organizations": "organization", "persons": "person",
            "posts": "post", "events": "event", "memberships": "membership"}
NOT_MODELLED = ("motions", "vote_events", "votes", "speeches", "counts")

Json = dict[str, Any]


@dataclass(frozen=True)
class SourceInfo:
    """The document being imported, described as a source document ``id/source/<slug>``."""

    slug: str
    title: str
    url: str | None = None
    identifier: str | None = None

    @classmethod
    def for_file(cls, path: Path, *, title: str | None = None,
                 url: str | None = None) -> SourceInfo:
        return cls(slug=slugify(path.stem) or "popolo-import",
                   title=title or f"Popolo data {path.name}", url=url, identifier=path.name)



class PopoloMapper:
    def __init__(self, *, base_iri: str, info: SourceInfo, vocabulary: Vocabulary | None,
                 language: str) -> None:
        self.base = base_iri
        self.info = info
        self.vocabulary = vocabulary
        self.language = language
        self.minter = Minter(base_iri)
        self.result = ImportResult()
        self.ids: dict[str, dict[str, str]] = {name: {} for name in COLLECTIONS}
        self.names: dict[str, str] = {}
        self.source_urls: dict[str, ox.NamedNode] = {}
        self.document_source = ox.NamedNode(self.minter.iri("source", info.slug))
        self.minter.claim("source", info.slug)

    # -- helpers ----------------------------------------------------------------------
    def text(self, value: object) -> ox.Literal:
        return ox.Literal(str(value).strip(), language=self.language)

    def add(self, subject: ox.NamedNode | ox.BlankNode, predicate: str,
            value: ox.NamedNode | ox.BlankNode | ox.Literal) -> None:
        self.result.add(subject, predicate, value)

    def typed(self, subject: ox.NamedNode, cls: str) -> None:
        self.add(subject, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", ox.NamedNode(cls))
        from graphkit.namespaces import compact

        self.result.counts[compact(cls)] += 1

    def iri_or_none(self, value: object, where: str) -> ox.NamedNode | None:
        text = str(value).strip()
        if not text.lower().startswith(("http://", "https://")):
            self.result.warnings.append(f"{where}: {text!r} is not an http(s) URL; left out")
            return None
        try:
            return ox.NamedNode(text)
        except ValueError:
            self.result.warnings.append(f"{where}: {text!r} is not a valid IRI; left out")
            return None

    def date(self, subject: ox.NamedNode | ox.BlankNode, predicate: str, value: object,
             where: str) -> None:
        if value in (None, ""):
            return
        literal = date_literal(str(value))
        if literal is None:
            self.problems.append(InputProblem(
                f"{value!r} is not a date (write YYYY, YYYY-MM or YYYY-MM-DD)", path=where))
            return
        self.add(subject, predicate, literal)

    def reference(self, collection: str, value: object, where: str) -> ox.NamedNode | None:
        if value in (None, ""):
            return None
        found = self.ids[collection].get(str(value))
        if found is None:
            self.result.warnings.append(
                f"{where}: {value!r} names no {SINGULAR[collection]} of the document; "
                "the link is left out")
            return None
        return ox.NamedNode(found)

    def concept(self, scheme: str, slug: str | None) -> ox.NamedNode | None:
        if slug is None:
            return None
        if self.vocabulary is not None and not self.vocabulary.knows(scheme, slug):
            return None
        return ox.NamedNode(f"{self.base}scheme/{scheme}/{slug}")

    def vocabulary_slug(self, scheme: str, words: str) -> str | None:
        slug = slugify(words)
        if self.vocabulary is not None and self.vocabulary.knows(scheme, slug):
            return slug
        return None

    # -- the run ----------------------------------------------------------------------
    def run(self, collections: dict[str, list[Json]]) -> ImportResult:
        self.problems: list[InputProblem] = []
        self._mint_all(collections)
        self._source_document()
        # posts take their holders too, and are described apart below
        describe: dict[str, Callable[..., None]] = {
            "areas": self._area, "organizations": self._organization,
            "persons": self._person, "posts": self._post, "events": self._event,
            "memberships": self._membership}
        holders = self._post_holders(collections["memberships"])
        for name in COLLECTIONS:
            for index, obj in enumerate(collections[name]):
                where = f"{name}[{index}]"
                subject = ox.NamedNode(obj["__iri"])
                if name == "posts":
                    self._post(subject, obj, where, holders.get(obj["__iri"], []))
                else:
                    describe[name](subject, obj, where)
        if self.problems:
            raise ConversionError("the Popolo document has values that do not map",
                                  problems=self.problems)
        return self.result

    def _mint_all(self, collections: dict[str, list[Json]]) -> None:
        """Mint every IRI first, so references resolve whatever the order."""
        kinds = {"areas": "place", "organizations": "org", "persons": "person",
                 "posts": "post", "events": "event"}
        for name in ("areas", "organizations", "persons", "events"):
            for obj in collections[name]:
                kind = kinds[name]
                if name == "organizations" and self._organisation_class(obj)[0] == "Network":
                    kind = "network"
                label = self._name_of(name, obj)
                iri = self.minter.mint(kind, label, fallback=str(obj.get("id") or ""))
                self._remember(name, obj, iri, label)
        for obj in collections["posts"]:
            organisation = self.ids["organizations"].get(str(obj.get("organization_id")))
            label = self._name_of("posts", obj)
            prefix = organisation.rsplit("/", 1)[1] if organisation else ""
            iri = self.minter.mint("post", f"{prefix} {label}".strip(),
                                   fallback=str(obj.get("id") or ""))
            self._remember("posts", obj, iri, label)
        for obj in collections["memberships"]:
            member_iri = self._member_iri(obj)
            organisation = self.ids["organizations"].get(str(obj.get("organization_id")))
            member_slug = member_iri.rsplit("/", 1)[1] if member_iri else "someone"
            org_slug = organisation.rsplit("/", 1)[1] if organisation else "somewhere"
            base = f"{member_slug}-in-{org_slug}"
            role = slugify(str(obj.get("role") or ""))
            if self.minter.taken("membership", base) and role:
                base = f"{base}-{role}"
            iri = self.minter.mint("membership", base, fallback=str(obj.get("id") or ""))
            obj["__iri"] = iri
            if obj.get("id") is not None:
                self.ids["memberships"][str(obj["id"])] = iri

    def _remember(self, collection: str, obj: Json, iri: str, label: str) -> None:
        obj["__iri"] = iri
        self.names[iri] = label
        if obj.get("id") is not None:
            self.ids[collection].setdefault(str(obj["id"]), iri)

    def _member_iri(self, obj: Json) -> str | None:
        member = obj.get("member")
        if isinstance(member, dict) and member.get("id") is not None:
            collection = "organizations" if str(member.get("@type", "")).lower() == \
                "organization" else "persons"
            return self.ids[collection].get(str(member["id"]))
        if obj.get("person_id") is not None:
            return self.ids["persons"].get(str(obj["person_id"]))
        return None

    def _name_of(self, collection: str, obj: Json) -> str:
        if collection == "persons":
            name = str(obj.get("name") or "").strip()
            if not name:
                name = " ".join(str(obj[k]).strip() for k in ("given_name", "family_name")
                                if obj.get(k))
            for key, strip in (("honorific_prefix", str.removeprefix),
                               ("honorific_suffix", str.removesuffix)):
                honorific = str(obj.get(key) or "").strip()
                if honorific and honorific in name:
                    name = strip(name, honorific).strip(" ,")
            return name or str(obj.get("id") or "")
        if collection == "posts":
            return str(obj.get("label") or obj.get("role") or obj.get("id") or "").strip()
        return str(obj.get("name") or obj.get("id") or "").strip()

    def _source_document(self) -> None:
        node = self.document_source
        self.typed(node, OGK + "SourceDocument")
        self.add(node, RDFS + "label", self.text(self.info.title))
        self.add(node, DCTERMS + "title", self.text(self.info.title))
        if self.info.identifier:
            self.add(node, DCTERMS + "identifier", ox.Literal(self.info.identifier))
        if self.info.url:
            url = self.iri_or_none(self.info.url, "source URL")
            if url is not None:
                self.add(node, SCHEMA + "url", url)
        self.result.sources.append(node.value)

    # -- what every object has --------------------------------------------------------
    def _common(self, subject: ox.NamedNode, obj: Json, where: str, *, label: str) -> None:
        if not label:
            self.problems.append(InputProblem("has no name", path=where))
        self.add(subject, RDFS + "label", self.text(label))
        identifier = obj.get("id")
        if identifier is not None:
            self.add(subject, DCTERMS + "identifier", ox.Literal(str(identifier)))
            if str(identifier).startswith(("http://", "https://")):
                match = self.iri_or_none(identifier, f"{where}.id")
                if match is not None:
                    self.add(subject, SKOS + "exactMatch", match)
        for index, other in enumerate(obj.get("other_names") or []):
            name = other.get("name") if isinstance(other, dict) else other
            if name and str(name).strip() != label:
                lang = other.get("lang") if isinstance(other, dict) else None
                self.add(subject, SKOS + "altLabel", ox.Literal(
                    str(name).strip(), language=str(lang or self.language)))
        for index, entry in enumerate(obj.get("identifiers") or []):
            self._identifier(subject, entry, f"{where}.identifiers[{index}]")
        for index, link in enumerate(obj.get("links") or []):
            url = link.get("url") if isinstance(link, dict) else link
            if url:
                found = self.iri_or_none(url, f"{where}.links[{index}]")
                if found is not None:
                    self.add(subject, RDFS + "seeAlso", found)
        images = [obj.get("image")] + [i.get("url") for i in obj.get("images") or []
                                       if isinstance(i, dict)]
        for url in dict.fromkeys(u for u in images if u):
            found = self.iri_or_none(url, f"{where}.image")
            if found is not None:
                self.add(subject, SCHEMA + "image", found)
        for index, detail in enumerate(obj.get("contact_details") or []):
            if isinstance(detail, dict):
                self._contact(subject, detail, f"{where}.contact_details[{index}]")
        self.add(subject, PROV + "wasDerivedFrom", self.document_source)
        for index, source in enumerate(obj.get("sources") or []):
            if isinstance(source, dict) and source.get("url"):
                node = self._source_for(source, f"{where}.sources[{index}]")
                if node is not None:
                    self.add(subject, PROV + "wasDerivedFrom", node)

    def _identifier(self, subject: ox.NamedNode, entry: object, where: str) -> None:
        if not isinstance(entry, dict) or entry.get("identifier") in (None, ""):
            return
        value = str(entry["identifier"]).strip()
        scheme = str(entry.get("scheme") or "").strip()
        if scheme.lower() == "wikidata" and value[:1] in "Qq" and value[1:].isdigit():
            self.add(subject, SKOS + "exactMatch",
                     ox.NamedNode(f"http://www.wikidata.org/entity/{value.upper()}"))
            return
        if value.startswith(("http://", "https://")):
            found = self.iri_or_none(value, where)
            if found is not None:
                self.add(subject, SKOS + "exactMatch", found)
                return
        node = ox.BlankNode()
        self.add(subject, ADMS + "identifier", node)
        self.add(node, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
                 ox.NamedNode(ADMS + "Identifier"))
        self.add(node, SKOS + "notation", ox.Literal(value))
        if scheme:
            self.add(node, ADMS + "schemeAgency", ox.Literal(scheme))

    def _contact(self, subject: ox.NamedNode, detail: Json, where: str) -> None:
        kind = str(detail.get("type") or "").strip().lower()
        value = str(detail.get("value") or "").strip()
        if not value:
            return
        node = ox.BlankNode()
        self.add(subject, SCHEMA + "contactPoint", node)
        self.add(node, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
                 ox.NamedNode(SCHEMA + "ContactPoint"))
        if kind:
            self.add(node, SCHEMA + "contactType", ox.Literal(kind))
        if detail.get("label"):
            self.add(node, RDFS + "label", self.text(detail["label"]))
        if detail.get("note"):
            self.add(node, RDFS + "comment", self.text(detail["note"]))
        if kind == "email":
            self.add(node, SCHEMA + "email", ox.Literal(value.removeprefix("mailto:")))
        elif kind in ("voice", "cell", "text", "phone", "telephone", "mobile"):
            self.add(node, SCHEMA + "telephone", ox.Literal(value))
        elif kind == "fax":
            self.add(node, SCHEMA + "faxNumber", ox.Literal(value))
        elif kind == "address":
            self.add(node, SCHEMA + "address", ox.Literal(value))
        elif value.startswith(("http://", "https://")):
            found = self.iri_or_none(value, where)
            if found is not None:
                self.add(node, SCHEMA + "url", found)
        else:
            self.add(node, SCHEMA + "identifier", ox.Literal(value))
        self.date(node, SCHEMA + "validFrom", detail.get("valid_from"), f"{where}.valid_from")
        self.date(node, SCHEMA + "validThrough", detail.get("valid_until"),
                  f"{where}.valid_until")

    def _source_for(self, source: Json, where: str) -> ox.NamedNode | None:
        url = str(source["url"]).strip()
        if url in self.source_urls:
            return self.source_urls[url]
        target = self.iri_or_none(url, where)
        if target is None:
            return None
        bare = url.split("://", 1)[-1]
        node = ox.NamedNode(self.minter.mint("source", bare, fallback="source"))
        title = str(source.get("note") or url).strip()
        self.typed(node, OGK + "SourceDocument")
        self.add(node, RDFS + "label", self.text(title))
        self.add(node, DCTERMS + "title", self.text(title))
        self.add(node, SCHEMA + "url", target)
        self.source_urls[url] = node
        self.result.sources.append(node.value)
        return node

    def _classification_note(self, subject: ox.NamedNode, classification: str) -> None:
        self.add(subject, RDFS + "comment",
                 self.text(f"Classified as “{classification}” in the Popolo source."))

    # -- the classes ------------------------------------------------------------------
    def _organisation_class(self, obj: Json) -> tuple[str, str | None]:
        words = slugify(str(obj.get("classification") or ""))
        if not words:
            return "Organisation", None
        if self.vocabulary is not None and self.vocabulary.knows("organisation-types", words):
            return "Organisation", words
        return ORGANISATION_WORDS.get(words, ("Organisation", None))

    def _area(self, subject: ox.NamedNode, obj: Json, where: str) -> None:
        classification = str(obj.get("classification") or "").strip()
        country = slugify(classification) == "country"
        self.typed(subject, OGK + ("Country" if country else "Place"))
        self._common(subject, obj, where, label=self.names[subject.value])
        if obj.get("identifier"):
            self.add(subject, DCTERMS + "identifier", ox.Literal(str(obj["identifier"])))
        if classification and not country:
            self._classification_note(subject, classification)
        parent = self.reference("areas", obj.get("parent_id"), f"{where}.parent_id")
        if parent is not None:
            self.add(subject, SCHEMA + "containedInPlace", parent)

    def _organization(self, subject: ox.NamedNode, obj: Json, where: str) -> None:
        cls, concept = self._organisation_class(obj)
        self.typed(subject, OGK + cls)
        self._common(subject, obj, where, label=self.names[subject.value])
        classification = str(obj.get("classification") or "").strip()
        found = self.concept("organisation-types", concept)
        if found is not None:
            self.add(subject, ORG + "classification", found)
        elif classification and slugify(classification) not in ORGANISATION_WORDS:
            self._classification_note(subject, classification)
        parent = self.reference("organizations", obj.get("parent_id"), f"{where}.parent_id")
        if parent is not None:
            self.add(subject, ORG + "subOrganizationOf", parent)
        area = self.reference("areas", obj.get("area_id"), f"{where}.area_id")
        if area is not None:
            self.add(subject, DCTERMS + "spatial", area)
        self.date(subject, SCHEMA + "foundingDate", obj.get("founding_date"),
                  f"{where}.founding_date")
        self.date(subject, SCHEMA + "dissolutionDate", obj.get("dissolution_date"),
                  f"{where}.dissolution_date")
        for key in ("abstract", "description"):
            if obj.get(key):
                self.add(subject, DCTERMS + "description", self.text(obj[key]))

    def _person(self, subject: ox.NamedNode, obj: Json, where: str) -> None:
        self.typed(subject, OGK + "Person")
        label = self.names[subject.value]
        self._common(subject, obj, where, label=label)
        full = str(obj.get("name") or "").strip()
        if full and full != label:
            self.add(subject, SKOS + "altLabel", self.text(full))
        for key, prop in (("given_name", "givenName"), ("family_name", "familyName"),
                          ("additional_name", "additionalName"),
                          ("honorific_prefix", "honorificPrefix"),
                          ("honorific_suffix", "honorificSuffix"), ("gender", "gender")):
            if obj.get(key):
                self.add(subject, SCHEMA + prop, ox.Literal(str(obj[key]).strip()))
        email = str(obj.get("email") or "").strip().removeprefix("mailto:")
        if email:
            if "@" in email and " " not in email:
                self.add(subject, SCHEMA + "email", ox.Literal(email))
            else:
                self.result.warnings.append(f"{where}.email: {email!r} is not an e-mail "
                                            "address; left out")
        self.date(subject, SCHEMA + "birthDate", obj.get("birth_date"), f"{where}.birth_date")
        self.date(subject, SCHEMA + "deathDate", obj.get("death_date"), f"{where}.death_date")
        if obj.get("summary"):
            self.add(subject, DCTERMS + "abstract", self.text(obj["summary"]))
        if obj.get("biography"):
            self.add(subject, DCTERMS + "description", self.text(obj["biography"]))
        if obj.get("national_identity"):
            self.add(subject, RDFS + "comment",
                     self.text(f"National identity: {obj['national_identity']}"))

    def _post_holders(self, memberships: Iterable[Json]) -> dict[str, list[ox.NamedNode]]:
        holders: dict[str, list[ox.NamedNode]] = {}
        for obj in memberships:
            post = self.ids["posts"].get(str(obj.get("post_id")))
            member = self._member_iri(obj)
            if post and member:
                holders.setdefault(post, []).append(ox.NamedNode(member))
        return holders

    def _post(self, subject: ox.NamedNode, obj: Json, where: str,
              holders: list[ox.NamedNode]) -> None:
        self.typed(subject, ORG + "Post")
        self._common(subject, obj, where, label=self.names[subject.value])
        for other in obj.get("other_label") or []:
            self.add(subject, SKOS + "altLabel", self.text(other))
        self._role(subject, obj)
        organisation = self.reference("organizations", obj.get("organization_id"),
                                      f"{where}.organization_id")
        if organisation is not None:
            self.add(subject, ORG + "postIn", organisation)
        area = self.reference("areas", obj.get("area_id"), f"{where}.area_id")
        if area is not None:
            self.add(subject, DCTERMS + "spatial", area)
        self.date(subject, SCHEMA + "startDate", obj.get("start_date"), f"{where}.start_date")
        self.date(subject, SCHEMA + "endDate", obj.get("end_date"), f"{where}.end_date")
        for holder in dict.fromkeys(holders):
            self.add(subject, ORG + "heldBy", holder)

    def _role(self, subject: ox.NamedNode, obj: Json) -> str | None:
        words = str(obj.get("role") or "").strip()
        if not words:
            return None
        slug = role_concept(words) or self.vocabulary_slug("roles", words)
        found = self.concept("roles", slug)
        if found is not None:
            self.add(subject, ORG + "role", found)
            return slug
        return None

    def _event(self, subject: ox.NamedNode, obj: Json, where: str) -> None:
        self.typed(subject, OGK + "Event")
        label = self.names[subject.value]
        self._common(subject, obj, where, label=label)
        if obj.get("description"):
            self.add(subject, DCTERMS + "description", self.text(obj["description"]))
        self.date(subject, SCHEMA + "startDate", obj.get("start_date"), f"{where}.start_date")
        self.date(subject, SCHEMA + "endDate", obj.get("end_date"), f"{where}.end_date")
        if obj.get("status"):
            self.add(subject, OGK + "status", self.text(obj["status"]))
        classification = str(obj.get("classification") or "").strip()
        if classification:
            found = self.concept("event-types",
                                 self.vocabulary_slug("event-types", classification))
            if found is not None:
                self.add(subject, OGK + "eventType", found)
            else:
                self._classification_note(subject, classification)
        location = obj.get("location")
        if isinstance(location, dict):
            location = location.get("name")
        if location:
            self.add(subject, SCHEMA + "location", self._place(str(location).strip()))
        organiser = self.reference("organizations", obj.get("organization_id"),
                                   f"{where}.organization_id")
        if organiser is not None:
            self.add(organiser, OGK + "organises", subject)
        parent = self.reference("events", obj.get("parent_id"), f"{where}.parent_id")
        if parent is not None:
            self.add(subject, SCHEMA + "superEvent", parent)
        for index, attendee in enumerate(obj.get("attendees") or []):
            self._attendee(subject, label, attendee, f"{where}.attendees[{index}]")

    def _place(self, name: str) -> ox.NamedNode:
        for iri, known in self.names.items():
            if known == name and "/id/place/" in iri:
                return ox.NamedNode(iri)
        node = ox.NamedNode(self.minter.mint("place", name))
        self.names[node.value] = name
        self.typed(node, OGK + "Place")
        self.add(node, RDFS + "label", self.text(name))
        self.add(node, PROV + "wasDerivedFrom", self.document_source)
        return node

    def _attendee(self, event: ox.NamedNode, event_label: str, attendee: object,
                  where: str) -> None:
        identifier = attendee.get("id") if isinstance(attendee, dict) else attendee
        agent_iri = self.ids["persons"].get(str(identifier)) or \
            self.ids["organizations"].get(str(identifier))
        if agent_iri is None:
            self.result.warnings.append(f"{where}: {identifier!r} names no person or "
                                        "organization of the document; left out")
            return
        role_words = str(attendee.get("role") or "") if isinstance(attendee, dict) else ""
        role = role_concept(role_words) if role_words else "participant"
        role = role or "participant"
        agent_slug = agent_iri.rsplit("/", 1)[1]
        node = ox.NamedNode(f"{event.value}#{role}-{agent_slug}")
        self.typed(node, OGK + "Participation")
        self.add(node, RDFS + "label", self.text(
            f"{self.names.get(agent_iri, agent_slug)}, {role.replace('-', ' ')} in "
            f"{event_label}"))
        self.add(node, OGK + "participant", ox.NamedNode(agent_iri))
        self.add(node, OGK + "context", event)
        found = self.concept("roles", role)
        if found is not None:
            self.add(node, CV + "role", found)
        self.add(node, PROV + "wasDerivedFrom", self.document_source)

    def _membership(self, subject: ox.NamedNode, obj: Json, where: str) -> None:
        self.typed(subject, ORG + "Membership")
        member_iri = self._member_iri(obj)
        member_ref = obj.get("person_id")
        if member_ref is None and isinstance(obj.get("member"), dict):
            member_ref = obj["member"].get("id")
        if member_iri is None:
            self.result.warnings.append(
                f"{where}: the member {member_ref!r} is no person or organization of the "
                "document; the link is left out")
        organisation = self.reference("organizations", obj.get("organization_id"),
                                      f"{where}.organization_id")
        role_words = str(obj.get("role") or "").strip()
        member_name = self.names.get(member_iri or "", str(member_ref or "someone"))
        org_name = self.names.get(organisation.value if organisation else "",
                                  str(obj.get("organization_id") or "an organisation"))
        label = str(obj.get("label") or "").strip() or \
            f"{member_name}, {role_words or 'member'} of {org_name}"
        self._common(subject, obj, where, label=label)
        member = ox.NamedNode(member_iri) if member_iri else None
        if member is not None:
            self.add(subject, ORG + "member", member)
        if organisation is not None:
            self.add(subject, ORG + "organization", organisation)
        role = self._role(subject, obj)
        post = self.reference("posts", obj.get("post_id"), f"{where}.post_id")
        if post is not None:
            self.add(subject, OGK + "post", post)
        behalf = self.reference("organizations", obj.get("on_behalf_of_id"),
                                f"{where}.on_behalf_of_id")
        if behalf is not None:
            self.add(subject, OGK + "onBehalfOf", behalf)
        area = self.reference("areas", obj.get("area_id"), f"{where}.area_id")
        if area is not None:
            self.add(subject, DCTERMS + "spatial", area)
        self.date(subject, SCHEMA + "startDate", obj.get("start_date"), f"{where}.start_date")
        self.date(subject, SCHEMA + "endDate", obj.get("end_date"), f"{where}.end_date")
        if member is not None and organisation is not None:
            self.add(member, ORG + "memberOf", organisation)
            if role in ROLE_SHORTCUTS:
                self.add(member, ROLE_SHORTCUTS[role], organisation)
            if role == "head" and "/id/person/" in member.value:
                self.add(member, ORG + "headOf", organisation)
