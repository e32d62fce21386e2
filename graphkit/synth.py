"""A deterministic synthetic graph shaped like the curated data, for benchmarks.

``write_synthetic(path, orgs=N, seed=S)`` writes about 25 triples per organisation:
organisations with types, countries and founding years; networks convened by some of
them; memberships with roles and dates; people holding posts; events with agenda items;
publications with creators; action plans with commitments; themes. Lines are written as
they are made (N-Triples, or N-Quads into one graph per source), so memory stays flat
for any size. The same ``orgs`` and ``seed`` give the same bytes.

The graph conforms to the project's shapes (``shapes/*.ttl``): no violation and no
warning, so that benchmarks validate data shaped like accepted contributions (tests
inject the errors they look for).  To stay at about 25 triples per organisation, the
evidence (``prov:qualifiedDerivation``) of every entity of one source is one shared
qualified derivation of that source, a blank node with the source and a quote.
"""

from __future__ import annotations

import gzip
import random
from collections.abc import Iterator
from pathlib import Path
from typing import IO, cast

from graphkit.errors import UsageError
from graphkit.formats import RdfFormat, is_gzip_path
from graphkit.namespaces import OGK, PREFIXES

__all__ = ["synthetic_triples", "write_synthetic"]

ID = PREFIXES["id"]
SCHEME = "https://w3id.org/ogkg/scheme/"
RDF_TYPE = PREFIXES["rdf"] + "type"
LABEL = PREFIXES["rdfs"] + "label"
ALT = PREFIXES["skos"] + "altLabel"
DERIVED = PREFIXES["prov"] + "wasDerivedFrom"
ORG = PREFIXES["org"]
SCHEMA = PREFIXES["schema"]
XSD = PREFIXES["xsd"]

COUNTRIES = ["fin", "est", "swe", "nor", "dnk", "deu", "fra", "esp", "ita", "prt", "chl",
             "kor", "mex", "bra", "can", "usa", "gbr", "irl", "nld", "bel"]  # ISO alpha-3
ORG_TYPES = ["public-organisation", "ministry", "parliament", "civil-society-organisation",
             "intergovernmental-organisation", "company", "research-organisation"]
ROLES = ["member", "chair", "co-chair", "vice-chair", "observer", "secretariat"]
THEMES = ["citizen-participation", "access-to-information", "deliberative-democracy",
          "digital-democracy", "civic-space", "disinformation", "data-protection",
          "civil-society", "public-communication", "trust", "ai-and-openness",
          "democratic-freedoms"]
EVENT_TYPES = ["meeting", "workshop", "webinar", "conference"]
PUBLICATION_TYPES = ["report", "handbook", "guidebook", "paper", "policy-brief"]
SOURCES = 8
ALPHA2 = {"fin": "FI", "est": "EE", "swe": "SE", "nor": "NO", "dnk": "DK", "deu": "DE",
          "fra": "FR", "esp": "ES", "ita": "IT", "prt": "PT", "chl": "CL", "kor": "KR",
          "mex": "MX", "bra": "BR", "can": "CA", "usa": "US", "gbr": "GB", "irl": "IE",
          "nld": "NL", "bel": "BE"}
COUNTRY_AUTHORITY = "http://publications.europa.eu/resource/authority/country/"
QUALIFIED = PREFIXES["prov"] + "qualifiedDerivation"
INITIATIVE = f"<{ID}initiative/synthetic-partnership>"


def _iri(value: str) -> str:
    return f"<{value}>"


def _text(value: str, lang: str | None = "en") -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"@{lang}' if lang else f'"{escaped}"'


def _typed(value: str, datatype: str) -> str:
    return f'"{value}"^^<{XSD}{datatype}>'


def _date(rng: random.Random, first: int, last: int) -> str:
    """A year, year-month or full date, as the sources give dates at all three precisions."""
    year = rng.randint(first, last)
    kind = rng.random()
    if kind < 0.3:
        return _typed(str(year), "gYear")
    month = rng.randint(1, 12)
    if kind < 0.6:
        return _typed(f"{year}-{month:02d}", "gYearMonth")
    return _typed(f"{year}-{month:02d}-{rng.randint(1, 28):02d}", "date")


def _evidence(s: int) -> str:
    return f"_:synthetic-evidence-{s}"


def _sourced(node: str, cls: str, label: str, s: int) -> Iterator[tuple[str, str, str, int]]:
    """An entity's type, English label, source and evidence (the source's derivation)."""
    yield node, _iri(RDF_TYPE), _iri(cls), s
    yield node, _iri(LABEL), _text(label), s
    yield node, _iri(DERIVED), _iri(f"{ID}source/synthetic-{s}"), s
    yield node, _iri(QUALIFIED), _evidence(s), s


def synthetic_triples(*, orgs: int, seed: int) -> Iterator[tuple[str, str, str, int]]:
    """``(subject, predicate, object, source)`` in N-Triples syntax, in a fixed order."""
    rng = random.Random(seed)
    networks = max(1, orgs // 100)
    for s in range(SOURCES):
        src = _iri(f"{ID}source/synthetic-{s}")
        yield src, _iri(RDF_TYPE), _iri(OGK + "SourceDocument"), s
        yield src, _iri(LABEL), _text(f"Synthetic source {s}"), s
        yield src, _iri(PREFIXES["dcterms"] + "title"), _text(f"Synthetic source {s}"), s
        yield src, _iri(PREFIXES["dcterms"] + "identifier"), _text(f"synthetic-{s}", None), s
        yield src, _iri(OGK + "publicationType"), _iri(f"{SCHEME}publication-types/web-page"), s
        evidence = _evidence(s)
        yield evidence, _iri(RDF_TYPE), _iri(PREFIXES["prov"] + "Derivation"), s
        yield evidence, _iri(PREFIXES["prov"] + "entity"), src, s
        yield evidence, _iri(OGK + "quote"), _text(f"The synthetic statements of source {s}."), s
    yield from _sourced(INITIATIVE, OGK + "Initiative", "Synthetic partnership", 0)
    for c in COUNTRIES:
        country = _iri(f"{ID}place/{c}")
        yield from _sourced(country, OGK + "Country", f"Country {c.upper()}", 0)
        yield country, _iri(OGK + "iso3166Alpha2"), _text(ALPHA2[c], None), 0
        yield country, _iri(OGK + "iso3166Alpha3"), _text(c.upper(), None), 0
        yield country, _iri(PREFIXES["skos"] + "exactMatch"), _iri(
            COUNTRY_AUTHORITY + c.upper()), 0
    for n in range(networks):
        net = _iri(f"{ID}network/synthetic-network-{n}")
        s = n % SOURCES
        yield from _sourced(net, OGK + "Network", f"Synthetic network {n}", s)
        yield net, _iri(OGK + "theme"), _iri(f"{SCHEME}themes/{THEMES[n % len(THEMES)]}"), s
        # founded before the first membership starts (2006)
        yield net, _iri(SCHEMA + "foundingDate"), _typed(str(1990 + n % 16), "gYear"), s
    for i in range(orgs):
        s = i % SOURCES
        org = _iri(f"{ID}org/synthetic-org-{i}")
        founded = rng.randint(1900, 2005)
        yield from _sourced(org, OGK + "Organisation", f"Synthetic organisation {i}", s)
        yield org, _iri(ALT), _text(f"SO{i}"), s
        yield org, _iri(ORG + "classification"), _iri(
            f"{SCHEME}organisation-types/{rng.choice(ORG_TYPES)}"), s
        yield org, _iri(OGK + "country"), _iri(f"{ID}place/{rng.choice(COUNTRIES)}"), s
        yield org, _iri(SCHEMA + "foundingDate"), _typed(str(founded), "gYear"), s
        yield org, _iri(OGK + "theme"), _iri(f"{SCHEME}themes/{rng.choice(THEMES)}"), s
        if i % 100 == 0 and i // 100 < networks:
            yield org, _iri(OGK + "convenes"), _iri(
                f"{ID}network/synthetic-network-{i // 100}"), s
        for m in range(2 if i % 5 == 0 else 1):
            mem = _iri(f"{ID}membership/synthetic-org-{i}-{m}")
            yield from _sourced(mem, ORG + "Membership",
                                f"Membership {m + 1} of synthetic organisation {i}", s)
            yield mem, _iri(ORG + "member"), org, s
            yield mem, _iri(ORG + "organization"), _iri(
                f"{ID}network/synthetic-network-{rng.randrange(networks)}"), s
            yield mem, _iri(ORG + "role"), _iri(f"{SCHEME}roles/{rng.choice(ROLES)}"), s
            yield mem, _iri(SCHEMA + "startDate"), _date(rng, 2006, 2015), s
            if rng.random() < 0.4:
                yield mem, _iri(SCHEMA + "endDate"), _date(rng, 2016, 2024), s
        if i % 4 == 0:
            person = _iri(f"{ID}person/synthetic-person-{i // 4}")
            post = _iri(f"{ID}post/synthetic-post-{i // 4}")
            yield from _sourced(person, OGK + "Person", f"Synthetic person {i // 4}", s)
            yield from _sourced(post, ORG + "Post", f"Head of synthetic organisation {i}", s)
            yield post, _iri(ORG + "postIn"), org, s
            yield post, _iri(ORG + "heldBy"), person, s
            yield post, _iri(ORG + "role"), _iri(f"{SCHEME}roles/{rng.choice(ROLES)}"), s
            yield post, _iri(SCHEMA + "startDate"), _date(rng, 2006, 2024), s
        if i % 10 == 0:
            yield from _event(rng, i, org, networks, s)
            pub = _iri(f"{ID}publication/synthetic-publication-{i // 10}")
            yield from _sourced(pub, OGK + "Publication", f"Synthetic publication {i // 10}", s)
            yield pub, _iri(PREFIXES["dcterms"] + "title"), _text(
                f"Synthetic publication {i // 10}"), s
            yield pub, _iri(PREFIXES["dcterms"] + "creator"), org, s
            yield pub, _iri(OGK + "publicationType"), _iri(
                f"{SCHEME}publication-types/{rng.choice(PUBLICATION_TYPES)}"), s
            yield pub, _iri(PREFIXES["dcterms"] + "issued"), _date(rng, 2010, 2024), s
            yield pub, _iri(OGK + "theme"), _iri(f"{SCHEME}themes/{rng.choice(THEMES)}"), s
        if i % 20 == 0:
            yield from _plan(rng, i, org, s)


def _event(rng: random.Random, i: int, org: str, networks: int, s: int
           ) -> Iterator[tuple[str, str, str, int]]:
    event = _iri(f"{ID}event/synthetic-event-{i // 10}")
    yield from _sourced(event, OGK + "Meeting", f"Synthetic meeting {i // 10}", s)
    yield event, _iri(OGK + "meetingOf"), _iri(
        f"{ID}network/synthetic-network-{(i // 10) % networks}"), s
    yield event, _iri(SCHEMA + "startDate"), _date(rng, 2010, 2024), s
    yield event, _iri(SCHEMA + "location"), _iri(f"{ID}place/{rng.choice(COUNTRIES)}"), s
    yield org, _iri(OGK + "hosts"), event, s
    yield event, _iri(OGK + "eventType"), _iri(
        f"{SCHEME}event-types/{rng.choice(EVENT_TYPES)}"), s
    yield event, _iri(OGK + "theme"), _iri(f"{SCHEME}themes/{rng.choice(THEMES)}"), s
    for k in range(2):
        item = _iri(f"{ID}agenda-item/synthetic-event-{i // 10}-{k + 1}")
        yield from _sourced(item, OGK + "AgendaItem",
                            f"Agenda item {k + 1} of synthetic meeting {i // 10}", s)
        yield item, _iri(OGK + "agendaItemOf"), event, s
        yield item, _iri(OGK + "itemNumber"), _text(str(k + 1), None), s
        yield item, _iri(SCHEMA + "position"), _typed(str(k + 1), "integer"), s


def _plan(rng: random.Random, i: int, org: str, s: int) -> Iterator[tuple[str, str, str, int]]:
    plan = _iri(f"{ID}plan/synthetic-plan-{i // 20}")
    yield from _sourced(plan, OGK + "ActionPlan", f"Synthetic action plan {i // 20}", s)
    yield org, _iri(OGK + "adopts"), plan, s
    yield plan, _iri(OGK + "actionPlanOf"), INITIATIVE, s
    yield plan, _iri(SCHEMA + "startDate"), _typed(str(rng.randint(2012, 2024)), "gYear"), s
    for k in range(3):
        commitment = _iri(f"{ID}commitment/synthetic-plan-{i // 20}-{k + 1}")
        yield from _sourced(commitment, OGK + "Commitment",
                            f"Commitment {k + 1} of plan {i // 20}", s)
        yield commitment, _iri(OGK + "commitmentIn"), plan, s
        yield commitment, _iri(OGK + "committedBy"), org, s
        yield commitment, _iri(OGK + "theme"), _iri(
            f"{SCHEME}themes/{rng.choice(THEMES)}"), s


def write_synthetic(path: Path, *, orgs: int, seed: int = 1) -> int:
    """Write the synthetic graph to ``path`` (.nt, .ttl or .nq, optionally .gz).

    N-Quads puts each statement into the graph of its synthetic source document
    (``https://w3id.org/ogkg/graph/source/synthetic-<n>``). Returns the number of lines.
    """
    fmt = RdfFormat.from_path(path)
    if fmt not in (RdfFormat.N_TRIPLES, RdfFormat.TURTLE, RdfFormat.N_QUADS):
        raise UsageError(f"{path}: synth writes .nt, .ttl or .nq (optionally .gz)")
    path.parent.mkdir(parents=True, exist_ok=True)
    graphs = [f" <https://w3id.org/ogkg/graph/source/synthetic-{s}>" for s in range(SOURCES)]
    count = 0
    with _open_out(path) as out:
        batch: list[str] = []
        for s, p, o, src in synthetic_triples(orgs=orgs, seed=seed):
            graph = graphs[src] if fmt is RdfFormat.N_QUADS else ""
            batch.append(f"{s} {p} {o}{graph} .\n")
            if len(batch) >= 10_000:
                out.write("".join(batch).encode())
                count += len(batch)
                batch.clear()
        out.write("".join(batch).encode())
        count += len(batch)
    return count


def _open_out(path: Path) -> IO[bytes]:
    if is_gzip_path(path):
        # a binary file in all but name (typeshed: not an IO[bytes])
        return cast(IO[bytes], gzip.open(path, "wb", compresslevel=6))
    return open(path, "wb")
