"""Reified relations (memberships, posts, participations) read as sentences: "member of
the Legislative Openness Working Group as co-chair, 2013–2016"."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import pyoxigraph as ox

from graphkit.describe.model import (
    _AGENT,
    _RELATION_FIELDS,
    _RELATION_LINKS,
    _ROLE,
    _TARGET,
    MEMBERSHIP,
    ORG,
    POST,
    SCHEMA,
    TYPE,
    Label,
    Ref,
    Sentence,
    Term,
    _literals,
    format_date,
)
from graphkit.describe.queries import Labels, _listed, _term, _values, select
from graphkit.namespaces import OGK
from graphkit.stores.base import Store


def _relation_rows(store: Store, iri: str, limit: int
                   ) -> tuple[dict[str, dict[str, list[Term]]], bool]:
    """``{node: {property: [term]}}`` of the memberships, posts and participations that
    link to ``iri``; whether there were more than ``limit``."""
    x = _term(iri)
    # one branch per property: each reads the (property, object) index directly, where a
    # VALUES over the properties scans every link to ``iri`` (a source cited 10,000 times)
    branches = " UNION ".join(f"{{ ?node {_term(link)} {x} }}" for link in _RELATION_LINKS)
    nodes_query = (f"SELECT DISTINCT ?node WHERE {{ {branches} FILTER(isIRI(?node)) }} "
                   f"LIMIT {limit + 1}")
    nodes = [row["node"].value for row in select(store, nodes_query)]
    truncated = len(nodes) > limit
    nodes = nodes[:limit]
    if not nodes:
        return {}, False
    query = (f"SELECT ?node ?p ?o WHERE {{ VALUES ?node {{ {_values(nodes)} }} ?node ?p ?o "
             f"FILTER(?p IN ({_listed(_RELATION_FIELDS)})) }}")
    rows: dict[str, dict[str, list[Term]]] = defaultdict(lambda: defaultdict(list))
    for row in select(store, query):
        term = row["o"]
        assert isinstance(term, ox.NamedNode | ox.BlankNode | ox.Literal)
        if term not in rows[row["node"].value][row["p"].value]:
            rows[row["node"].value][row["p"].value].append(term)
    return rows, truncated


def _first(fields: dict[str, list[Term]], properties: Sequence[str]) -> ox.NamedNode | None:
    for p in properties:
        for term in fields.get(p, []):
            if isinstance(term, ox.NamedNode):
                return term
    return None


def _period(fields: dict[str, list[Term]]) -> str:
    start = next(iter(_literals(fields.get(SCHEMA + "startDate", []))), None)
    end = next(iter(_literals(fields.get(SCHEMA + "endDate", []))), None)
    if start is not None and end is not None:
        a, b = format_date(start), format_date(end)
        return a if a == b else f"{a}–{b}"
    if start is not None:
        return f"since {format_date(start)}"
    if end is not None:
        return f"until {format_date(end)}"
    return ""


def _role_text(label: Label) -> Label:
    """``Co-chair`` → ``co-chair`` inside a sentence (acronyms stay as they are)."""
    text = label.text
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        text = text[0].lower() + text[1:]
    return Label(text, label.language)


def _sentences(iri: str, rows: dict[str, dict[str, list[Term]]], labels: Labels
               ) -> list[Sentence]:
    sentences = []
    for node, fields in rows.items():
        sentence = _sentence(iri, node, fields, labels)
        if sentence is not None:
            sentences.append(sentence)
    order = {h: i for i, h in enumerate(_HEADINGS)}
    sentences.sort(key=lambda s: (order.get(s.heading, len(order)), s.text.lower()))
    return sentences


_HEADINGS = ("Memberships", "Members", "Posts held", "Posts", "Holders", "Takes part in",
             "Participants", "On behalf of")


def _sentence(iri: str, node: str, fields: dict[str, list[Term]], labels: Labels
              ) -> Sentence | None:
    """The relation ``node`` seen from ``iri``; ``None`` if it is not one we can phrase."""
    types = {t.value for t in fields.get(TYPE, [])}
    agent = _first(fields, _AGENT)
    target = _first(fields, _TARGET)
    role = _first(fields, _ROLE)
    behalf = _first(fields, (OGK + "onBehalfOf",))
    post = _first(fields, (OGK + "post",))
    period = _period(fields)
    me = ox.NamedNode(iri)

    def ref(term: ox.NamedNode | None) -> Ref | None:
        return labels.ref(term.value) if term is not None else None

    role_ref = ref(role)
    role_part: list[str | Ref] = []
    if role_ref is not None and role is not None and role.value.rsplit("/", 1)[-1] != "member":
        role_part = [" as ", Ref(role_ref.iri, _role_text(role_ref.label))]
    tail: list[str | Ref] = [f", {period}"] if period else []
    node_ref = labels.ref(node)
    heading: str
    parts: list[str | Ref]
    is_post = POST in types or ORG + "heldBy" in fields or ORG + "postIn" in fields
    is_membership = MEMBERSHIP in types or ORG + "member" in fields
    if is_post:
        holder, where = ref(_first(fields, (ORG + "heldBy",))), ref(
            _first(fields, (ORG + "postIn",)))
        if agent == me:
            heading, parts = "Posts held", ["holds ", node_ref]
            if where is not None:
                parts += [" in ", where]
        elif target == me:
            heading, parts = "Posts", [node_ref]
            if holder is not None:
                parts += [", held by ", holder]
        else:
            return None
    elif is_membership:
        if agent == me:
            heading, parts = "Memberships", ["member of ", *_opt(ref(target))]
        elif target == me:
            heading, parts = "Members", [*_opt(ref(agent))]
        elif post == me:
            heading, parts = "Holders", [*_opt(ref(agent))]
        elif behalf == me:
            heading, parts = "On behalf of", [*_opt(ref(agent)), " in ", *_opt(ref(target))]
        else:
            return None
        parts += role_part
        if post is not None and post != me:
            parts += [" (post: ", labels.ref(post.value), ")"]
    elif agent is not None or target is not None:  # a participation
        if agent == me:
            heading = "Takes part in"
            parts = [*(role_part[1:] if role_part else ["participant"]), " at ",
                     *_opt(ref(target))]
        elif target == me:
            heading, parts = "Participants", [*_opt(ref(agent)), *role_part]
        elif behalf == me:
            heading, parts = "On behalf of", [*_opt(ref(agent)), *role_part, " at ",
                                              *_opt(ref(target))]
        else:
            return None
        if behalf is not None and behalf != me:
            parts += [" on behalf of ", labels.ref(behalf.value)]
    else:
        return None
    parts += tail
    return Sentence(heading, node_ref, tuple(parts))


def _opt(ref: Ref | None) -> list[str | Ref]:
    return [ref] if ref is not None else ["someone"]


def _summary(iri: str, own: dict[str, list[Term]], labels: Labels) -> Sentence | None:
    """The relation an entity is (a membership, post or participation), in third person."""
    fields = {p: v for p, v in own.items() if p in _RELATION_FIELDS}
    agent = _first(fields, _AGENT)
    target = _first(fields, _TARGET)
    if agent is None and target is None:
        return None
    # seen from its agent, with the agent named first
    if agent is None:
        return None
    sentence = _sentence(agent.value, iri, fields, labels)
    if sentence is None:
        return None
    return Sentence("Summary", sentence.node, (labels.ref(agent.value), ": ", *sentence.parts))
