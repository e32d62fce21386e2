"""The relation types of the network: which RDF properties become which ties, and how a
tie reads in a sentence.

Every tie runs from a *subject* to an *object* in the active voice ("OECD convenes the
Working Party", "Katju Holkeri chairs the Working Party"), whatever the direction of the
RDF property it came from (``dcterms:creator`` points from the publication to its author;
its tie ``created`` points from the author to the publication).

Relations are grouped into three families (:class:`Family`):

* ``affiliation``: an agent's tie to a body, network, event, initiative, plan or
  publication (memberships, posts, participations and their shortcut properties);
* ``partnership``: a tie between two agents (``ogk:collaboratesWith``, ``ogk:trains``,
  acting on behalf of another);
* ``structure``: a part-of or lineage link between two things (an agenda item of a
  meeting, a working party within a committee, a plan of an initiative).

>>> RELATIONS["chairs"].sentence("Katju Holkeri", "the Working Party")
'Katju Holkeri chairs the Working Party'
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from graphkit.namespaces import OGK, PREFIXES

__all__ = [
    "COLLABORATION",
    "PRIORITY",
    "RELATIONS",
    "ROLE_RELATIONS",
    "Family",
    "Relation",
    "relation_for_role",
]

ORG = PREFIXES["org"]
DCT = PREFIXES["dcterms"]
SCHEMA = PREFIXES["schema"]


class Family(str, Enum):
    AFFILIATION = "affiliation"
    PARTNERSHIP = "partnership"
    STRUCTURE = "structure"


@dataclass(frozen=True)
class Relation:
    """One relation type: its key, the property it comes from, and its wording.

    ``predicate`` is the RDF property (``None`` for relations read from qualified nodes
    only); ``inverse`` is true when the property points from the tie's object to its
    subject (``dcterms:creator``). ``active`` and ``passive`` are verb phrases.
    """

    key: str
    family: Family
    active: str
    passive: str
    predicate: str | None = None
    inverse: bool = False

    def sentence(self, subject: str, obj: str) -> str:
        return f"{subject} {self.active} {obj}"


def _r(key: str, family: Family, active: str, passive: str, predicate: str | None = None,
       *, inverse: bool = False) -> Relation:
    return Relation(key, family, active, passive, predicate, inverse)


A, P, S = Family.AFFILIATION, Family.PARTNERSHIP, Family.STRUCTURE

#: Every relation type, by key; the order is the order of preference when one pair of
#: nodes has several ties (the first one names the step of a path).
RELATIONS: dict[str, Relation] = {r.key: r for r in [
    _r("chairs", A, "chairs", "is chaired by", OGK + "chairs"),
    _r("coChairs", A, "co-chairs", "is co-chaired by", OGK + "coChairs"),
    _r("convenes", A, "convenes", "is convened by", OGK + "convenes"),
    _r("coordinates", A, "coordinates", "is coordinated by", OGK + "coordinates"),
    _r("leads", A, "leads", "is led by", OGK + "leads"),
    _r("headOf", A, "heads", "is headed by", ORG + "headOf"),
    _r("hosts", A, "hosts", "is hosted by", OGK + "hosts"),
    _r("organises", A, "organises", "is organised by", OGK + "organises"),
    _r("funds", A, "funds", "is funded by", OGK + "funds"),
    _r("adopts", A, "adopted", "was adopted by", OGK + "adopts"),
    _r("created", A, "created", "was created by", DCT + "creator", inverse=True),
    _r("contributed", A, "contributed to", "had contributions from", DCT + "contributor",
       inverse=True),
    _r("published", A, "published", "was published by", DCT + "publisher", inverse=True),
    _r("delivers", A, "delivers", "is delivered by", OGK + "delivers"),
    _r("implements", A, "implements", "is implemented by", OGK + "implements"),
    _r("committedTo", A, "is committed to", "is a commitment of", OGK + "committedBy",
       inverse=True),
    _r("presentsAt", A, "presents at", "has as a speaker", OGK + "presentsAt"),
    _r("holdsPost", A, "holds a post in", "has as a post holder"),
    _r("memberOf", A, "is a member of", "has as a member", ORG + "memberOf"),
    _r("participatesIn", A, "takes part in", "has as a participant"),
    _r("advises", A, "advises", "is advised by", OGK + "advises"),
    _r("supports", A, "supports", "is supported by", OGK + "supports"),
    _r("contributesTo", A, "contributes to", "has contributions from",
       OGK + "contributesTo"),
    _r("contactPointFor", A, "is the contact point for", "has as its contact point",
       OGK + "contactPoint", inverse=True),
    _r("collaboratesWith", P, "collaborates with", "collaborates with",
       OGK + "collaboratesWith"),
    _r("trains", P, "trains", "is trained by", OGK + "trains"),
    _r("represents", P, "represents", "is represented by"),
    _r("partOf", S, "is part of", "includes", ORG + "subOrganizationOf"),
    _r("isPartOf", S, "is part of", "includes", DCT + "isPartOf"),
    _r("subEventOf", S, "is part of", "includes", SCHEMA + "superEvent"),
    _r("agendaItemOf", S, "is an agenda item of", "has as an agenda item",
       OGK + "agendaItemOf"),
    _r("meetingOf", S, "is a meeting of", "meets in", OGK + "meetingOf"),
    _r("actionPlanOf", S, "is an action plan of", "has as an action plan",
       OGK + "actionPlanOf"),
    _r("commitmentIn", S, "is a commitment in", "includes the commitment",
       OGK + "commitmentIn"),
    _r("deliverableOf", S, "is a deliverable of", "has as a deliverable",
       OGK + "deliverableOf"),
    _r("features", S, "features", "is featured in", SCHEMA + "workFeatured"),
    _r("buildsOn", S, "builds on", "is built on by", OGK + "buildsOn"),
    _r("succeeds", S, "succeeds", "is succeeded by", OGK + "predecessor"),
]}

#: Preference rank of each relation (0 = first), for naming a multi-tie step.
PRIORITY: dict[str, int] = {key: rank for rank, key in enumerate(RELATIONS)}

ROLE = "https://w3id.org/ogkg/scheme/roles/"

#: The relation a qualified node stands for, from its role (the curators' guide, section 7).
#: A membership or post whose role is not listed is ``memberOf`` / ``holdsPost`` with the
#: role kept on the tie.
ROLE_RELATIONS: dict[str, str] = {
    "chair": "chairs", "co-chair": "coChairs", "convener": "convenes",
    "coordinator": "coordinates", "lead": "leads", "host": "hosts", "organiser": "organises",
    "funder": "funds", "adviser": "advises", "contributor": "contributesTo",
    "head": "headOf", "speaker": "presentsAt", "presenter": "presentsAt",
    "moderator": "presentsAt",
}

#: Collaboration kinds: agents that share an object through relations of one group
#: collaborate ("co-hosting": two organisations host the same event).
COLLABORATION: dict[str, frozenset[str]] = {
    "co-hosting": frozenset({"hosts", "organises", "convenes"}),
    "co-funding": frozenset({"funds"}),
    "co-authoring": frozenset({"created", "contributed"}),
    "co-leading": frozenset({"leads", "coordinates", "chairs", "coChairs"}),
}


def relation_for_role(role: str | None, default: str) -> str:
    """The relation key a membership, post or participation with ``role`` stands for."""
    if role and role.startswith(ROLE):
        return ROLE_RELATIONS.get(role[len(ROLE):], default)
    return default
