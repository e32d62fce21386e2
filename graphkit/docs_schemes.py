"""HTML pages of the SKOS concept schemes, for ``graphkit docs``.

pyLODE 3.3.4's VocPub profile renders only a scheme's metadata, not its concepts, so the
scheme pages are made here: the scheme's title and description, its hierarchy as nested
lists, and every concept A–Z with an anchor (the concept IRI's last segment, so that
``schemes/themes.html#civic-space`` is the page of ``…/scheme/themes/civic-space``), its
labels in every language, definition, broader, narrower and related concepts and its
mappings to other vocabularies.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

import jinja2
import pyoxigraph as ox

from graphkit.errors import InputError
from graphkit.formats import RdfFormat
from graphkit.namespaces import PREFIXES
from graphkit.schemes import concept, scheme
from graphkit.stores import OxigraphStore

__all__ = ["render_scheme"]

_PAGE = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined).from_string("""\
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{{ s.ref.label.text }}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
code{font-size:.9em} dt{font-weight:600} section{border-top:1px solid #ccc;padding-top:.5rem}
.muted{color:#555}
</style></head>
<body><header><h1>{{ s.ref.label.text }}</h1>
<p>IRI: <code>{{ s.ref.iri }}</code></p>
{% if s.description %}<p>{{ s.description.text }}</p>{% endif %}</header>
<main>
<nav aria-labelledby="tree"><h2 id="tree">Hierarchy</h2>
{% macro branch(nodes) %}<ul>{% for node in nodes %}<li><a href="#{{ anchor(node.ref.iri) }}">{{ node.ref.label.text }}</a>{% if node.children %}{{ branch(node.children) }}{% endif %}</li>{% endfor %}</ul>{% endmacro %}
{{ branch(s.tree) }}</nav>
<h2>Concepts A–Z ({{ concepts|length }})</h2>
{% for c in concepts %}<section id="{{ anchor(c.ref.iri) }}">
<h3>{{ c.ref.label.text }}</h3>
<p><code>{{ c.ref.iri }}</code></p>
{% if c.definition %}<p>{{ c.definition.text }}</p>{% endif %}
<dl>
{% if c.alt_labels %}<dt>Other labels</dt><dd>{% for l in c.alt_labels %}{{ l.text }}{% if l.language %} <span class="muted">({{ l.language }})</span>{% endif %}{% if not loop.last %}; {% endif %}{% endfor %}</dd>{% endif %}
{% for name, refs in (("Broader", c.broader), ("Narrower", c.narrower), ("Related", c.related)) if refs %}<dt>{{ name }}</dt><dd>{% for r in refs %}<a href="#{{ anchor(r.iri) }}">{{ r.label.text }}</a>{% if not loop.last %}, {% endif %}{% endfor %}</dd>{% endfor %}
{% if c.mappings %}<dt>Mappings</dt><dd>{% for kind, target in c.mappings %}skos:{{ kind }} <a href="{{ target }}">{{ target }}</a>{% if not loop.last %}<br>{% endif %}{% endfor %}</dd>{% endif %}
{% for note in c.notes %}<dt>Note</dt><dd>{{ note.text }}</dd>{% endfor %}
</dl></section>
{% endfor %}
</main></body></html>
""")


def _anchor(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1]


def render_scheme(path: Path) -> str:
    """The HTML page of the concept scheme in the Turtle file ``path``."""
    store = OxigraphStore()
    store.load(path, format=RdfFormat.TURTLE, graph=None)
    found = [cast(ox.NamedNode, row["s"]).value for row in store.query(  # isIRI(?s)
        f"SELECT ?s WHERE {{ ?s a <{PREFIXES['skos']}ConceptScheme> FILTER(isIRI(?s)) }}"
    ).rows()]
    if len(found) != 1:
        raise InputError(f"{path}: expected one skos:ConceptScheme, found {len(found)}; "
                         "put each scheme in a file of its own")
    described = scheme(store, found[0])
    if described is None:
        raise InputError(f"{path}: the scheme {found[0]} could not be read")
    concepts = [c for c in (concept(store, ref.iri) for ref in described.concepts)
                if c is not None]
    return _PAGE.render(s=described, concepts=concepts, anchor=_anchor)
