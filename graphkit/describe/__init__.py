"""Describing one resource, for programs (RDF) and for people (a page's worth of data).

:func:`concise_description` is the RDF answer for an entity IRI: its concise bounded
description (https://www.w3.org/submissions/CBD/: every triple with the IRI as subject,
and recursively the descriptions of the blank nodes among their objects, three levels
deep), the same for the hash IRIs of the same document that it links to or that link to
it through :data:`QUALIFYING` properties (``<x#speaker-...>`` participations,
``<x#focus-2024>``), and the labels of everything they link to.

:func:`describe` gives what an entity page shows: labels in the reader's language, type
badges, outgoing statements grouped by property with labels and definitions, reified
relations (memberships, posts, participations) as :class:`Sentence` objects, incoming
links grouped and paged, sources with the quoted evidence, the schema.org types.

Everything goes through :meth:`Store.query`, so both backends answer; IRIs are put into
query text only as validated N-Triples terms.

>>> from graphkit.stores import OxigraphStore
>>> store = OxigraphStore()
>>> store.update('INSERT DATA { <https://w3id.org/ogkg/id/org/a> '
...              '<http://www.w3.org/2000/01/rdf-schema#label> "A"@en }')
>>> describe(store, "https://w3id.org/ogkg/id/org/a").label.text
'A'
"""


from graphkit.describe.model import (
    KNOWN_TERMS,
    Description,
    Evidence,
    Incoming,
    Label,
    Part,
    PropertyValues,
    Ref,
    Sentence,
    Value,
    format_date,
    format_literal,
    local_name,
    pick_label,
)
from graphkit.describe.page import describe
from graphkit.describe.queries import (
    Labels,
    ask,
    bounded_descriptions,
    concise_description,
    exists,
    select,
)

__all__ = [
    "KNOWN_TERMS",
    "Description",
    "Evidence",
    "Incoming",
    "Label",
    "Labels",
    "Part",
    "PropertyValues",
    "Ref",
    "Sentence",
    "Value",
    "ask",
    "bounded_descriptions",
    "concise_description",
    "describe",
    "exists",
    "format_date",
    "format_literal",
    "local_name",
    "pick_label",
    "select",
]

