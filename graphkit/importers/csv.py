"""CSV templates → RDF that fits the ontology, every problem reported by row and column.

The templates and their columns are in :mod:`graphkit.importers.csv_templates` (and, for
people, in ``docs/csv-templates.md``). Rows are numbered as a spreadsheet shows them: the
header is row 1. A cell with several values separates them with ``;``. References to other
entities are ``<kind>/<slug>`` (``org/oecd``), a slug alone where the column allows one
kind, or a full IRI. Nothing is produced unless every row maps: a
:class:`~graphkit.errors.ConversionError` lists every problem found.

>>> result = import_csv("name,source,source_title\\nOpen Democracy Network,"
...                     "https://example.org/odn,ODN page\\n", template="organisations")
>>> result.counts["ogk:Organisation"]
1
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path

import pyoxigraph as ox

from graphkit.errors import ConversionError, InputError, InputProblem
from graphkit.importers import (
    DCTERMS,
    LANGUAGE_AUTHORITY,
    OGK,
    ORG,
    PROV,
    RDF,
    RDFS,
    ROLE_SHORTCUTS,
    SCHEMA,
    SKOS,
    ImportResult,
    Minter,
    Vocabulary,
    date_literal,
    is_slug,
    slugify,
)
from graphkit.importers.csv_templates import TEMPLATES, Template, template_for_header

__all__ = ["import_csv", "import_csv_file"]

_ORG_CLASSES = {"": "Organisation", "organisation": "Organisation",
                "organization": "Organisation", "network": "Network",
                "working-party": "WorkingParty", "working-group": "WorkingGroup",
                "committee": "Committee", "council": "Council", "task-force": "TaskForce"}
_EVENT_CLASSES = {"": "Event", "event": "Event", "meeting": "Meeting",
                  "event-series": "EventSeries"}


def import_csv_file(path: Path, *, base_iri: str, template: str | None = None,
                    vocabulary: Vocabulary | None = None) -> ImportResult:
    """Read a CSV template file (UTF-8) and map it; see :func:`import_csv`."""
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start}); "
                         "save the file as CSV UTF-8") from None
    stem = path.stem.lower()
    return import_csv(text, base_iri=base_iri, name=str(path), vocabulary=vocabulary,
                      template=template or (stem if stem in TEMPLATES else None))


def import_csv(text: str, *, base_iri: str = "https://w3id.org/ogkg/",
               template: str | None = None, name: str = "<csv>",
               vocabulary: object = None) -> ImportResult:
    """Map the CSV ``text`` of one template to RDF.

    Args:
        text: the whole file.
        base_iri: entities are minted as ``<base_iri>id/<kind>/<slug>``.
        template: ``organisations``, ``people``, ``memberships``, ``events`` or
            ``publications``; ``None`` tells it from the header.
        name: the file's name for messages.
        vocabulary: a :class:`~graphkit.importers.Vocabulary`; codes of the schemes
            (themes, roles...) are checked against it when given.
    """
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), strict=False))
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    if not rows:
        raise ConversionError("the CSV file is empty", file=name, problems=[
            InputProblem("add the header row of a template", row=1)])
    header = [h.strip().lower() for h in rows[0]]
    chosen = _template(template, header, name)
    problems = [InputProblem(f"unknown column; the {chosen.name} template has "
                             + ", ".join(chosen.headers), row=1, column=h)
                for h in header if h and h not in chosen.headers]
    problems += [InputProblem("the column is missing from the header", row=1, column=c.name)
                 for c in chosen.columns if c.required and c.name not in header]
    if problems:
        raise ConversionError(f"the header does not fit the {chosen.name} template",
                              file=name, problems=problems)
    assert vocabulary is None or isinstance(vocabulary, Vocabulary)
    mapper = _Rows(chosen, base_iri=base_iri, vocabulary=vocabulary, name=name)
    for number, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            mapper.problem(number, None, f"{len(cells)} cells but {len(header)} columns "
                           "in the header (a comma inside a value needs quotes)")
            continue
        mapper.row(number, {h: (cells[i].strip() if i < len(cells) else "")
                            for i, h in enumerate(header) if h})
    if mapper.problems:
        raise ConversionError(f"the {chosen.name} template has values that do not map",
                              file=name, problems=mapper.problems)
    if not mapper.result.triples:
        raise ConversionError("the CSV file has a header but no rows", file=name,
                              problems=[InputProblem("add at least one row", row=2)])
    return mapper.result


def _template(template: str | None, header: list[str], name: str) -> Template:
    if template is not None:
        key = template.strip().lower().removesuffix(".csv")
        if key not in TEMPLATES:
            raise InputError(f"{name}: unknown CSV template {template!r}; use one of "
                             + ", ".join(TEMPLATES))
        return TEMPLATES[key]
    found = template_for_header(header)
    if found is None:
        raise ConversionError("cannot tell which template this is", file=name, problems=[
            InputProblem("the header has the required columns of no template ("
                         + "; ".join(f"{t.name}: " + ", ".join(
                             c.name for c in t.columns if c.required)
                             for t in TEMPLATES.values()) + ")", row=1)])
    return found


class _Rows:
    """Maps the rows of one template, collecting problems instead of stopping."""

    def __init__(self, template: Template, *, base_iri: str, vocabulary: Vocabulary | None,
                 name: str) -> None:
        self.template = template
        self.base = base_iri
        self.vocabulary = vocabulary
        self.name = name
        self.minter = Minter(base_iri)
        self.result = ImportResult()
        self.problems: list[InputProblem] = []
        self.sources: dict[str, ox.NamedNode] = {}
        self.number = 0

    # -- helpers ------------------------------------------------------------------------
    def problem(self, row: int, column: str | None, message: str) -> None:
        self.problems.append(InputProblem(message, row=row, column=column))

    def add(self, s: ox.NamedNode | ox.BlankNode, p: str,
            o: ox.NamedNode | ox.BlankNode | ox.Literal) -> None:
        self.result.add(s, p, o)

    def typed(self, s: ox.NamedNode, cls: str) -> None:
        from graphkit.namespaces import compact

        self.add(s, RDF + "type", ox.NamedNode(cls))
        self.result.counts[compact(cls)] += 1

    @staticmethod
    def en(text: str) -> ox.Literal:
        return ox.Literal(text, language="en")

    def values(self, cells: Mapping[str, str], column: str) -> list[str]:
        cell = cells.get(column, "")
        if self.template.column(column).many:
            return [v.strip() for v in cell.split(";") if v.strip()]
        return [cell] if cell else []

    def mint(self, kind: str, cells: Mapping[str, str], name: str) -> ox.NamedNode | None:
        given = cells.get("id", "")
        if given:
            if not is_slug(given):
                self.problem(self.number, "id", f"{given!r} is not a slug: use lower-case "
                             f"words joined by -, e.g. {slugify(given) or 'my-name'!r}")
                return None
            if not self.minter.claim(kind, given):
                self.problem(self.number, "id", f"{kind}/{given} is already used by an "
                             "earlier row; give each row its own id")
                return None
            return ox.NamedNode(self.minter.iri(kind, given))
        if not slugify(name):
            self.problem(self.number, "id", "the name has no Latin letters or digits to "
                         "make a slug from; give an id")
            return None
        return ox.NamedNode(self.minter.mint(kind, name))

    def ref(self, cells: Mapping[str, str], column: str, kinds: tuple[str, ...]
            ) -> list[ox.NamedNode]:
        """The entities a reference cell names, each checked for its kind."""
        found = []
        for value in self.values(cells, column):
            node = self._ref(value, column, kinds)
            if node is not None:
                found.append(node)
        return found

    def _ref(self, value: str, column: str, kinds: tuple[str, ...]) -> ox.NamedNode | None:
        allowed = " or ".join(f"{k}/<slug>" for k in kinds)
        if value.startswith(("http://", "https://")):
            try:
                node = ox.NamedNode(value)
            except ValueError:
                self.problem(self.number, column, f"{value!r} is not a valid IRI")
                return None
            own = f"{self.base}id/"
            if value.startswith(own) and value[len(own):].split("/", 1)[0] not in kinds:
                self.problem(self.number, column, f"{value} is not a {allowed}")
                return None
            return node
        kind, _, slug = value.rpartition("/")
        if not kind:
            if len(kinds) > 1 and not any(self.minter.taken(k, slug) for k in kinds):
                self.problem(self.number, column, f"write {allowed} to say which kind "
                             f"{value!r} is")
                return None
            kind = next((k for k in kinds if self.minter.taken(k, slug)), kinds[0])
        if kind not in kinds:
            self.problem(self.number, column, f"{value!r} is not a {allowed}")
            return None
        if not is_slug(slug):
            self.problem(self.number, column, f"{slug!r} is not a slug (lower-case words "
                         f"joined by -, e.g. {slugify(slug) or 'name'!r})")
            return None
        return ox.NamedNode(self.minter.iri(kind, slug))

    def concepts(self, cells: Mapping[str, str], column: str, scheme: str
                 ) -> list[ox.NamedNode]:
        found = []
        for value in self.values(cells, column):
            slug = value.rsplit("/", 1)[-1].strip().lower()
            if self.vocabulary is not None and not self.vocabulary.knows(scheme, slug):
                known = ", ".join(self.vocabulary.slugs(scheme)[:12])
                self.problem(self.number, column, f"{value!r} is not a concept of the "
                             f"{scheme} scheme (e.g. {known})")
                continue
            if not is_slug(slug):
                self.problem(self.number, column, f"{value!r} is not a concept slug")
                continue
            found.append(ox.NamedNode(f"{self.base}scheme/{scheme}/{slug}"))
        return found

    def date(self, s: ox.NamedNode, p: str, cells: Mapping[str, str], column: str) -> None:
        value = cells.get(column, "")
        if not value:
            return
        literal = date_literal(value)
        if literal is None:
            self.problem(self.number, column, f"{value!r} is not a date: write YYYY, "
                         "YYYY-MM or YYYY-MM-DD")
            return
        self.add(s, p, literal)

    def url(self, s: ox.NamedNode, p: str, cells: Mapping[str, str], column: str) -> None:
        value = cells.get(column, "")
        if not value:
            return
        node = self._url(value, column)
        if node is not None:
            self.add(s, p, node)

    def _url(self, value: str, column: str) -> ox.NamedNode | None:
        if not value.startswith(("http://", "https://")) or " " in value:
            self.problem(self.number, column, f"{value!r} is not a web address "
                         "(http://… or https://…)")
            return None
        try:
            return ox.NamedNode(value)
        except ValueError:
            self.problem(self.number, column, f"{value!r} is not a valid web address")
            return None

    def texts(self, s: ox.NamedNode, p: str, cells: Mapping[str, str], column: str) -> None:
        for value in self.values(cells, column):
            self.add(s, p, self.en(value))

    def required(self, cells: Mapping[str, str], column: str) -> str | None:
        value = cells.get(column, "")
        if not value:
            self.problem(self.number, column, "is empty; this column is required")
            return None
        return value

    # -- evidence -----------------------------------------------------------------------
    def source(self, subject: ox.NamedNode, cells: Mapping[str, str]) -> None:
        value = cells.get("source", "")
        if not value:
            self.problem(self.number, "source", "is empty: give the URL of the document "
                         "the row comes from, or an existing source/<slug>")
            return
        if value.startswith(("http://", "https://")) and \
                not value.startswith(f"{self.base}id/"):
            node = self._source_document(value, cells)
        elif "/" in value and not value.startswith(("source/", f"{self.base}id/source/")):
            self.problem(self.number, "source", f"{value!r} is neither a web address "
                         "(https://…) nor an existing source/<slug>")
            return
        else:
            node = self._ref(value, "source", ("source",))
        if node is None:
            return
        self.add(subject, PROV + "wasDerivedFrom", node)
        if cells.get("quote"):
            derivation = ox.BlankNode()
            self.add(subject, PROV + "qualifiedDerivation", derivation)
            self.add(derivation, RDF + "type", ox.NamedNode(PROV + "Derivation"))
            self.add(derivation, PROV + "entity", node)
            self.add(derivation, OGK + "quote", self.en(cells["quote"]))

    def _source_document(self, url: str, cells: Mapping[str, str]) -> ox.NamedNode | None:
        if url in self.sources:
            return self.sources[url]
        address = self._url(url, "source")
        if address is None:
            return None
        title = cells.get("source_title", "")
        if not title:
            self.problem(self.number, "source_title", "is empty: a new source document "
                         "(given by its URL) needs its title")
            return None
        node = ox.NamedNode(self.minter.mint("source", title))
        self.typed(node, OGK + "SourceDocument")
        self.add(node, RDFS + "label", self.en(title))
        self.add(node, DCTERMS + "title", self.en(title))
        self.add(node, SCHEMA + "url", address)
        self.sources[url] = node
        self.result.sources.append(node.value)
        return node

    # -- rows ---------------------------------------------------------------------------
    def row(self, number: int, cells: dict[str, str]) -> None:
        self.number = number
        getattr(self, "_" + self.template.name)(cells)

    def _common(self, s: ox.NamedNode, cells: Mapping[str, str]) -> None:
        if "description" in cells:
            self.texts(s, DCTERMS + "description", cells, "description")
        if "themes" in cells:
            for theme in self.concepts(cells, "themes", "themes"):
                self.add(s, OGK + "theme", theme)
        if "country" in cells:
            for place in self.ref(cells, "country", ("place",)):
                self.add(s, OGK + "country", place)
        if "website" in cells:
            self.url(s, SCHEMA + "url", cells, "website")
        self.source(s, cells)

    def _organisations(self, cells: dict[str, str]) -> None:
        name = self.required(cells, "name")
        cls = cells.get("class", "").lower().replace(" ", "-")
        if cls not in _ORG_CLASSES:
            self.problem(self.number, "class", f"{cells['class']!r} is none of "
                         + ", ".join(k for k in _ORG_CLASSES if k))
            return
        if name is None:
            return
        s = self.mint("network" if cls == "network" else "org", cells, name)
        if s is None:
            return
        self.typed(s, OGK + _ORG_CLASSES[cls])
        self.add(s, RDFS + "label", self.en(name))
        self.texts(s, SKOS + "altLabel", cells, "acronym")
        self.texts(s, SKOS + "altLabel", cells, "other_names")
        for concept in self.concepts(cells, "classification", "organisation-types"):
            self.add(s, ORG + "classification", concept)
        for parent in self.ref(cells, "parent", ("org", "network")):
            self.add(s, ORG + "subOrganizationOf", parent)
        self.date(s, SCHEMA + "foundingDate", cells, "founded")
        self.date(s, SCHEMA + "dissolutionDate", cells, "dissolved")
        self._common(s, cells)

    def _people(self, cells: dict[str, str]) -> None:
        name = self.required(cells, "name")
        if name is None:
            return
        s = self.mint("person", cells, name)
        if s is None:
            return
        self.typed(s, OGK + "Person")
        self.add(s, RDFS + "label", self.en(name))
        for column, prop in (("given_name", "givenName"), ("family_name", "familyName")):
            if cells.get(column):
                self.add(s, SCHEMA + prop, ox.Literal(cells[column]))
        email = cells.get("email", "").removeprefix("mailto:")
        if email:
            if "@" not in email or " " in email:
                self.problem(self.number, "email", f"{email!r} is not an e-mail address")
            else:
                self.add(s, SCHEMA + "email", ox.Literal(email))
        self._common(s, cells)
        if cells.get("post") or cells.get("post_role") or cells.get("post_organisation"):
            self._post(s, cells)

    def _post(self, person: ox.NamedNode, cells: dict[str, str]) -> None:
        organisations = self.ref(cells, "post_organisation", ("org", "network"))
        if not cells.get("post_organisation"):
            self.problem(self.number, "post_organisation", "is empty: say which "
                         "organisation the post is in (org/<slug>)")
        roles = self.concepts(cells, "post_role", "roles") if cells.get("post_role") else []
        if not organisations:
            return
        organisation = organisations[0]
        title = cells.get("post") or \
            f"{cells['post_role'].replace('-', ' ').capitalize()} of " \
            f"{organisation.value.rsplit('/', 1)[1].replace('-', ' ')}"
        org_slug = organisation.value.rsplit("/", 1)[1]
        post_slug = f"{org_slug}-{slugify(cells.get('post_role') or title)}"
        iri = self.minter.iri("post", post_slug)
        post = ox.NamedNode(iri)
        if self.minter.claim("post", post_slug):
            self.typed(post, ORG + "Post")
            self.add(post, RDFS + "label", self.en(title))
            self.add(post, ORG + "postIn", organisation)
            for role in roles:
                self.add(post, ORG + "role", role)
            self.source(post, cells)
        self.add(post, ORG + "heldBy", person)

    def _memberships(self, cells: dict[str, str]) -> None:
        members = self.ref(cells, "member", ("person", "org", "network"))
        organisations = self.ref(cells, "organisation", ("org", "network"))
        for column in ("member", "organisation"):
            self.required(cells, column)
        role_cell = cells.get("role") or "member"
        roles = self.concepts({"role": role_cell}, "role", "roles")
        if not members or not organisations:
            return
        member, organisation = members[0], organisations[0]
        member_slug = member.value.rstrip("/").rsplit("/", 1)[1]
        org_slug = organisation.value.rstrip("/").rsplit("/", 1)[1]
        base = f"{member_slug}-in-{org_slug}"
        if self.minter.taken("membership", base):
            base = f"{base}-{slugify(role_cell)}"
        s = self.mint("membership", {"id": cells.get("id", "")}, base)
        if s is None:
            return
        self.typed(s, ORG + "Membership")
        label = cells.get("label") or (f"{member_slug.replace('-', ' ').title()}, "
                                       f"{role_cell.replace('-', ' ')} of "
                                       f"{org_slug.replace('-', ' ')}")
        self.add(s, RDFS + "label", self.en(label))
        self.add(s, ORG + "member", member)
        self.add(s, ORG + "organization", organisation)
        for role in roles:
            self.add(s, ORG + "role", role)
        for behalf in self.ref(cells, "on_behalf_of", ("org", "network", "place")):
            self.add(s, OGK + "onBehalfOf", behalf)
        for post in self.ref(cells, "post", ("post",)):
            self.add(s, OGK + "post", post)
        self.date(s, SCHEMA + "startDate", cells, "start")
        self.date(s, SCHEMA + "endDate", cells, "end")
        self.source(s, cells)
        self.add(member, ORG + "memberOf", organisation)
        role_slug = slugify(role_cell)
        if role_slug in ROLE_SHORTCUTS:
            self.add(member, ROLE_SHORTCUTS[role_slug], organisation)

    def _events(self, cells: dict[str, str]) -> None:
        name = self.required(cells, "name")
        cls = cells.get("class", "").lower().replace(" ", "-")
        if cls not in _EVENT_CLASSES:
            self.problem(self.number, "class", f"{cells['class']!r} is none of "
                         + ", ".join(k for k in _EVENT_CLASSES if k))
            return
        if name is None:
            return
        s = self.mint("event", cells, name)
        if s is None:
            return
        self.typed(s, OGK + _EVENT_CLASSES[cls])
        self.add(s, RDFS + "label", self.en(name))
        for concept in self.concepts(cells, "type", "event-types"):
            self.add(s, OGK + "eventType", concept)
        self.date(s, SCHEMA + "startDate", cells, "start")
        self.date(s, SCHEMA + "endDate", cells, "end")
        for place in self.ref(cells, "location", ("place",)):
            self.add(s, SCHEMA + "location", place)
        for organiser in self.ref(cells, "organiser", ("org", "network", "person")):
            self.add(organiser, OGK + "organises", s)
        for host in self.ref(cells, "host", ("org", "network", "person", "place")):
            self.add(host, OGK + "hosts", s)
        for parent in self.ref(cells, "part_of", ("event",)):
            self.add(s, SCHEMA + "superEvent", parent)
        self._common(s, cells)

    def _publications(self, cells: dict[str, str]) -> None:
        title = self.required(cells, "title")
        if title is None:
            return
        s = self.mint("publication", cells, title)
        if s is None:
            return
        self.typed(s, OGK + "Publication")
        self.add(s, RDFS + "label", self.en(title))
        self.add(s, DCTERMS + "title", self.en(title))
        for concept in self.concepts(cells, "type", "publication-types"):
            self.add(s, OGK + "publicationType", concept)
        self.date(s, DCTERMS + "issued", cells, "issued")
        for code in self.values(cells, "language"):
            if len(code) != 3 or not code.isalpha():
                self.problem(self.number, "language", f"{code!r} is not a three-letter "
                             "EU language code (ENG, FRA, SPA...)")
                continue
            self.add(s, DCTERMS + "language", ox.NamedNode(LANGUAGE_AUTHORITY + code.upper()))
        agents = ("org", "network", "person")
        for creator in self.ref(cells, "creator", agents):
            self.add(s, DCTERMS + "creator", creator)
        for publisher in self.ref(cells, "publisher", agents):
            self.add(s, DCTERMS + "publisher", publisher)
        for whole in self.ref(cells, "part_of", ("publication",)):
            self.add(s, DCTERMS + "isPartOf", whole)
        for about in self.ref(cells, "about", ("place", "org", "network", "person", "event",
                                               "initiative", "plan", "publication")):
            self.add(s, SCHEMA + "about", about)
        for audience in self.concepts(cells, "audience", "roles"):
            self.add(s, OGK + "audience", audience)
        self._common(s, cells)
