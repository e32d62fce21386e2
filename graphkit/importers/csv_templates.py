"""The CSV templates: their columns, what each means and where it goes in the ontology.

One table drives the importer (:mod:`graphkit.importers.csv`), the downloadable empty
templates (``templates/csv/<name>.csv``) and ``docs/csv-templates.md``; a test keeps the
three in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["SOURCE_COLUMNS", "TEMPLATES", "Column", "Template", "template_dir",
           "template_for_header"]


@dataclass(frozen=True)
class Column:
    """One column: its header, whether a row needs it, the RDF it becomes, an example."""

    name: str
    maps_to: str
    example: str = ""
    required: bool = False
    many: bool = False  # several values separated by ";"


@dataclass(frozen=True)
class Template:
    name: str
    title: str
    columns: tuple[Column, ...]

    @property
    def headers(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


#: What every template ends with: where the row comes from.
SOURCE_COLUMNS = (
    Column("source", "prov:wasDerivedFrom: an existing source document (source/<slug>) or "
           "the URL of the document the row comes from",
           "https://www.oecd.org/gov/open-government/", required=True),
    Column("source_title", "dcterms:title of the source document (needed with a URL)",
           "Open Government at the OECD"),
    Column("quote", "ogk:quote of a prov:qualifiedDerivation: the sentence the row comes "
           "from", "The Working Party on Open Government (WPOG) was created in 2019."),
)

_ID = "the IRI's slug, lower-case words joined by - (made from the name when empty)"

TEMPLATES: dict[str, Template] = {t.name: t for t in (
    Template("organisations", "Organisations, networks and working bodies", (
        Column("id", _ID, "oecd-wpog"),
        Column("name", "rdfs:label (English)", "OECD Working Party on Open Government",
               required=True),
        Column("acronym", "skos:altLabel", "WPOG", many=True),
        Column("other_names", "skos:altLabel", "Working Party on Open Government",
               many=True),
        Column("class", "rdf:type: organisation, network, working-party, working-group, "
               "committee, council or task-force", "working-party"),
        Column("classification", "org:classification, concepts of the "
               "organisation-types scheme", "intergovernmental-organisation", many=True),
        Column("parent", "org:subOrganizationOf (org/<slug>, network/<slug> or an IRI)",
               "org/oecd-public-governance-committee"),
        Column("country", "ogk:country (place/<slug>)", "place/france"),
        Column("founded", "schema:foundingDate (YYYY, YYYY-MM or YYYY-MM-DD)", "2019"),
        Column("dissolved", "schema:dissolutionDate", ""),
        Column("website", "schema:url", "https://www.oecd.org/gov/"),
        Column("description", "dcterms:description (English)", ""),
        Column("themes", "ogk:theme, concepts of the themes scheme", "open-government",
               many=True),
        *SOURCE_COLUMNS)),
    Template("people", "People and the posts they hold", (
        Column("id", _ID, "katju-holkeri"),
        Column("name", "rdfs:label (the name as printed, without titles)", "Katju Holkeri",
               required=True),
        Column("given_name", "schema:givenName", "Katju"),
        Column("family_name", "schema:familyName", "Holkeri"),
        Column("email", "schema:email (only a published contact address)", ""),
        Column("country", "ogk:country (place/<slug>)", "place/finland"),
        Column("post", "rdfs:label of an org:Post the person holds (org:heldBy)",
               "Chair of the OECD Working Party on Open Government"),
        Column("post_organisation", "org:postIn of that post (org/<slug>)",
               "org/oecd-wpog"),
        Column("post_role", "org:role of that post, a concept of the roles scheme", "chair"),
        Column("description", "dcterms:description (English)", ""),
        *SOURCE_COLUMNS)),
    Template("memberships", "Memberships of people and organisations", (
        Column("id", "the membership's slug (made from member and organisation when "
               "empty)", ""),
        Column("member", "org:member (person/<slug>, org/<slug> or network/<slug>)",
               "org/ndi", required=True),
        Column("organisation", "org:organization (org/<slug> or network/<slug>)",
               "org/ogp-lowg", required=True),
        Column("role", "org:role, a concept of the roles scheme (default member)",
               "co-chair"),
        Column("start", "schema:startDate", "2013"),
        Column("end", "schema:endDate", "2016"),
        Column("on_behalf_of", "ogk:onBehalfOf (org/<slug>)", ""),
        Column("post", "ogk:post (post/<slug>)", ""),
        Column("label", "rdfs:label (made from member, role and organisation when empty)",
               "National Democratic Institute, co-chair of the OGP Legislative Openness "
               "Working Group"),
        *SOURCE_COLUMNS)),
    Template("events", "Events, meetings and event series", (
        Column("id", _ID, "oecd-wpog-7th-meeting"),
        Column("name", "rdfs:label (English)", "7th Meeting of the OECD Working Party on "
               "Open Government", required=True),
        Column("class", "rdf:type: event, meeting or event-series", "meeting"),
        Column("type", "ogk:eventType, concepts of the event-types scheme", "meeting",
               many=True),
        Column("start", "schema:startDate", "2024-09-04"),
        Column("end", "schema:endDate", "2024-09-05"),
        Column("location", "schema:location (place/<slug>)", "place/seoul"),
        Column("country", "ogk:country (place/<slug>)", "place/republic-of-korea"),
        Column("organiser", "ogk:organises, from each organiser (org/<slug>)",
               "org/oecd-wpog", many=True),
        Column("host", "ogk:hosts, from each host (org/<slug>)", "", many=True),
        Column("part_of", "schema:superEvent (event/<slug>)", ""),
        Column("website", "schema:url", ""),
        Column("description", "dcterms:description (English)", ""),
        Column("themes", "ogk:theme, concepts of the themes scheme", "", many=True),
        *SOURCE_COLUMNS)),
    Template("publications", "Publications", (
        Column("id", _ID, "oecd-open-government-review-of-morocco"),
        Column("title", "rdfs:label and dcterms:title (English)",
               "Open Government Review of Morocco", required=True),
        Column("type", "ogk:publicationType, concepts of the publication-types scheme",
               "country-review", many=True),
        Column("issued", "dcterms:issued", "2015"),
        Column("language", "dcterms:language, EU language codes (ENG, FRA...)", "ENG",
               many=True),
        Column("creator", "dcterms:creator (org/<slug>, person/<slug>)", "", many=True),
        Column("publisher", "dcterms:publisher (org/<slug>)", "org/oecd"),
        Column("part_of", "dcterms:isPartOf (publication/<slug>)", ""),
        Column("about", "schema:about (place/<slug>, org/<slug>, event/<slug>...)",
               "place/morocco", many=True),
        Column("audience", "ogk:audience, concepts of the roles scheme", "", many=True),
        Column("themes", "ogk:theme, concepts of the themes scheme",
               "open-government-strategy", many=True),
        Column("website", "schema:url", ""),
        Column("description", "dcterms:description (English)", ""),
        *SOURCE_COLUMNS)),
)}


def template_for_header(header: list[str]) -> Template | None:
    """The template whose required columns the header has, preferring the closest fit."""
    names = {h.strip().lower() for h in header}
    fits = [t for t in TEMPLATES.values()
            if {c.name for c in t.columns if c.required} <= names]
    fits.sort(key=lambda t: len(names - set(t.headers)))
    return fits[0] if fits else None


def template_dir(project_root: Path | None = None) -> Path:
    """The folder of the empty templates, ``templates/csv`` of the project."""
    root = project_root or Path(__file__).resolve().parents[2]
    return root / "templates" / "csv"
