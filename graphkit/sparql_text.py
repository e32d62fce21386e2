"""What a SPARQL text asks for, read before it runs.

The SPARQL engines execute ``SERVICE`` (and ``LOAD`` in updates) by calling whatever address
the text names, so a public endpoint must refuse them before the text reaches the engine.
Neither pyoxigraph nor rdflib exposes a parsed algebra cheaply, so this module reads the text
itself, conservatively: comments, strings, IRIs, variables, blank-node labels and the local
parts of prefixed names are masked first, then every place where the engine *could* read the
keyword is reported. spargebra (Oxigraph's parser) matches keywords without a word boundary
(``SERVICEex:x { }`` and ``1SERVICE<…>`` are service calls), so a keyword is reported
wherever it is not the continuation of a name; a false alarm costs a refused query, a miss
would cost a request to an internal address. ``tests/test_sparql_text.py`` checks the
scanner against the engine itself, which tells by calling a local socket.

The same masked text gives the query form (for content negotiation before the query runs)
and the places where the Protocol's ``using-graph-uri``/``using-named-graph-uri`` go
(https://www.w3.org/TR/sparql11-protocol/#update-dataset).

>>> query_form("PREFIX ex: <http://example.org/> ASK { ?s ?p ?o }")
<QueryKind.ASK: 'ask'>
>>> check_services("SELECT * { SERVICE <http://10.0.0.1/sparql> { ?s ?p ?o } }", allow=())
Traceback (most recent call last):
...
graphkit.errors.ForbiddenQueryError: SERVICE <http://10.0.0.1/sparql> is not allowed: this endpoint does not call other services (see GRAPHKIT_SERVICE_ALLOW_LIST)
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import cast

import pyoxigraph as ox

from graphkit.errors import ForbiddenQueryError, UsageError
from graphkit.namespaces import PREFIXES
from graphkit.stores.base import QueryKind

__all__ = [
    "add_update_dataset",
    "check_loads",
    "check_services",
    "declared_prefixes",
    "explain_syntax_error",
    "has_dataset_clause",
    "has_limit",
    "query_form",
    "undeclared_prefixes",
    "variables",
    "where_start",
]

# https://www.w3.org/TR/sparql11-query/#rIRIREF
_IRIREF = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
# Name characters: Unicode word characters (\w) stand for the grammar's PN_CHARS, whose
# long ranges take Python a fifth of a second to compile. Where the two differ the text
# has a character no SPARQL name may hold outside strings, and the engine refuses it.
_EXTRA = "\u00B7\u0300-\u036F\u203F-\u2040"
_NAME = re.compile(f"[\\w{_EXTRA}]+")
# the local part of a prefixed name, stopping at "." (spargebra may end a name there) and
# at escapes, which stay visible: both keep the scan on the safe side
_LOCAL = re.compile(f"[\\w{_EXTRA}:-]+")
_PREFIXED = re.compile(f"([^\\W\\d_][\\w{_EXTRA}.-]*)?:")
# a keyword starts wherever the previous character cannot continue a name; digits do not
# count (``1SERVICE`` is the number 1, then the keyword), the names that may hold digits
# (variables, blank nodes, local names) are masked
_NOT_AFTER_NAME = f"(?<![^\\W\\d])(?<![{_EXTRA}:?$-])"
_SERVICE = re.compile(_NOT_AFTER_NAME + "(?i:service)")
_LOAD = re.compile(_NOT_AFTER_NAME + "(?i:load)")
_SILENT = re.compile(r"\s*silent", re.IGNORECASE)
_PREFIX_DECL = re.compile(r"prefix\s*$", re.IGNORECASE)
_DECLARATIONS = re.compile(
    _NOT_AFTER_NAME + r"(?i:(prefix)\s*([^\s:<]*):\s*(<)|(base)\s*(<))")
_PROLOGUE_AND_FORM = re.compile(
    r"(?:\s*(?:base\s*<i*>|prefix\s*[^\s:<]*:\s*<i*>))*\s*(select|construct|describe|ask)",
    re.IGNORECASE)
_FORMS = {"select": QueryKind.SELECT, "ask": QueryKind.ASK,
          "construct": QueryKind.GRAPH, "describe": QueryKind.GRAPH}
_UPDATE_KEYWORDS = re.compile(_NOT_AFTER_NAME + "(?i:(with|using|where|delete|insert))")
# FROM or FROM NAMED, then an IRI or a prefixed name ("from:" alone is a prefix)
_FROM = re.compile(_NOT_AFTER_NAME + r"(?i:from(?:\s*named)?)\s*(?:<|[^\s:<{]*:)")
_WHERE = re.compile(_NOT_AFTER_NAME + r"(?i:where)(?![\w:])")
_LIMIT_OFFSET = re.compile(_NOT_AFTER_NAME + r"(?i:limit|offset)(?![\w:])")
# where a prefixed name may start: not inside a name, a variable or a blank node label
_PREFIX_USE = re.compile(f"(?<![\\w{_EXTRA}.:?$-])([^\\W\\d_][\\w{_EXTRA}.-]*)?:")
# a character class in the engine's "expected one of" list: ['A' ..= 'Z' | ...]
_CHAR_CLASS = re.compile(r"\[(?:'[^']*'|[^\]'])*\.\.=(?:'[^']*'|[^\]'])*\]")
_NAME_CHARACTERS = re.compile(r"a name character(?:, a name character)+")
_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


@dataclass(frozen=True)
class _Masked:
    """The text with everything that cannot hold a keyword blanked out, same length."""

    text: str
    iris: dict[int, str]  # start offset of each IRI reference -> its text between < >
    original: str

    def depths(self) -> list[int]:
        """The brace depth at each offset (strings, IRIs and comments already masked)."""
        depth, out = 0, []
        for char in self.text:
            if char == "}":
                depth -= 1
            out.append(depth)
            if char == "{":
                depth += 1
        return out


@functools.lru_cache(maxsize=64)  # a request reads the same text several times
def _mask(text: str) -> _Masked:
    chars = list(text)
    iris: dict[int, str] = {}
    i, n = 0, len(text)

    def blank(start: int, end: int, fill: str = " ") -> None:
        for k in range(start, end):
            if chars[k] not in "\r\n":
                chars[k] = fill

    while i < n:
        char = text[i]
        if char == "#":
            end = i
            while end < n and text[end] not in "\r\n":
                end += 1
            blank(i, end)
            i = end
        elif char in "'\"":
            quote = char * 3 if text.startswith(char * 3, i) else char
            end = i + len(quote)
            while end < n and not text.startswith(quote, end):
                if text[end] == "\\":
                    end += 1
                elif len(quote) == 1 and text[end] in "\r\n":
                    break  # an unterminated short string: the engine refuses the text
                end += 1
            end = min(n, end + len(quote))
            blank(i, end)
            i = end
        elif char == "<":
            match = _IRIREF.match(text, i)
            if match is None:
                i += 1
                continue
            iris[i] = text[i + 1:match.end() - 1]
            blank(i + 1, match.end() - 1, "i")
            i = match.end()
        elif char in "?$" or text.startswith("_:", i):
            start = i + (2 if char == "_" else 1)
            match = _NAME.match(text, start)
            end = match.end() if match else start
            blank(start, end, "v")
            i = end
        elif char == ":":
            match = _LOCAL.match(text, i + 1)
            end = match.end() if match else i + 1
            blank(i + 1, end, "n")
            i = end
        else:
            i += 1
    return _Masked("".join(chars), iris, text)


def query_form(query: str) -> QueryKind | None:
    """SELECT, ASK or GRAPH (CONSTRUCT, DESCRIBE) from the text, ``None`` when unclear.

    Only a hint for content negotiation: the engine has the last word.
    """
    match = _PROLOGUE_AND_FORM.match(_mask(query).text)
    return _FORMS[match.group(1).lower()] if match else None


def has_dataset_clause(query: str) -> bool:
    """Whether the query names its own dataset (``FROM``/``FROM NAMED``), which then
    replaces the store's default dataset (the union of all graphs).

    >>> has_dataset_clause("SELECT * FROM <http://g> { ?s ?p ?o }")
    True
    >>> has_dataset_clause("SELECT ?from { ?from ?p 'FROM <x>' }")
    False
    """
    masked = _mask(query)
    depths = masked.depths()
    return any(depths[m.start()] == 0 and _outside_parentheses(masked.text, m.start())
               and not _PREFIX_DECL.search(masked.text, 0, m.start())
               for m in _FROM.finditer(masked.text))


def variables(text: str) -> list[tuple[int, str]]:
    """The offset and name (without ``?``/``$``) of every variable the text uses, outside
    strings, IRIs and comments.

    >>> variables("SELECT ?a { ?a <p> '?b' } # ?c")
    [(7, 'a'), (12, 'a')]
    """
    masked = _mask(text).text
    found = []
    for match in re.finditer(r"[?$](v+)", masked):
        found.append((match.start(), text[match.start(1):match.end(1)]))
    return found


def where_start(query: str) -> int:
    """The offset just after the ``{`` that opens the query's WHERE clause, where a
    ``VALUES`` block binds variables for the whole pattern (the keyword ``WHERE`` is
    needed after a CONSTRUCT template; otherwise the first top-level group counts).

    >>> q = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    >>> q[:where_start(q)]
    'CONSTRUCT { ?s ?p ?o } WHERE {'
    """
    masked = _mask(query)
    depths = masked.depths()
    for match in _WHERE.finditer(masked.text):
        if depths[match.start()] == 0:
            brace = masked.text.find("{", match.end())
            if brace >= 0:
                return brace + 1
    form = _PROLOGUE_AND_FORM.match(masked.text)
    if form is not None and form.group(1).lower() != "construct":
        for position in range(form.end(), len(masked.text)):
            if masked.text[position] == "{" and depths[position] == 0 \
                    and _outside_parentheses(masked.text, position):
                return position + 1
    raise UsageError("the query has no WHERE clause to bind parameters in")


def has_limit(query: str) -> bool:
    """Whether the query itself has a top-level ``LIMIT`` or ``OFFSET``.

    >>> has_limit("SELECT * { { SELECT * { ?s ?p ?o } LIMIT 1 } }"), has_limit("ASK {} LIMIT 2")
    (False, True)
    """
    masked = _mask(query)
    depths = masked.depths()
    return any(depths[m.start()] == 0 for m in _LIMIT_OFFSET.finditer(masked.text))


def _outside_parentheses(masked: str, position: int) -> bool:
    """Not inside ( … ): FROM is never there, a function ``from:f(…)`` may be."""
    return masked.count("(", 0, position) <= masked.count(")", 0, position)


def check_services(text: str, *, allow: Sequence[str], base_iri: str | None = None) -> None:
    """Raise :class:`ForbiddenQueryError` unless every ``SERVICE`` the text may call is on
    the allow-list (an exact IRI, or a prefix when the entry ends with ``/``)."""
    for target in _targets(text, _SERVICE, base_iri=base_iri):
        if target is None or not _allowed(target, allow):
            shown = f"<{target}>" if target else "with an endpoint named by a variable"
            raise ForbiddenQueryError(
                f"SERVICE {shown} is not allowed: this endpoint does not call other services"
                " (see GRAPHKIT_SERVICE_ALLOW_LIST)")


def check_loads(update: str, *, allow: Sequence[str], base_iri: str | None = None) -> None:
    """Raise :class:`ForbiddenQueryError` unless every ``LOAD`` of the update reads from an
    address on the allow-list (the engine fetches it over HTTP)."""
    for target in _targets(update, _LOAD, base_iri=base_iri):
        if target is None or not _allowed(target, allow):
            raise ForbiddenQueryError(
                f"LOAD <{target or '?'}> is not allowed: this endpoint does not fetch documents"
                " (see GRAPHKIT_SERVICE_ALLOW_LIST)")


def add_update_dataset(update: str, *, using: Sequence[str] = (),
                       using_named: Sequence[str] = ()) -> str:
    """The update with the Protocol's ``using-graph-uri``/``using-named-graph-uri`` written
    into each of its DELETE/INSERT … WHERE operations as ``USING``/``USING NAMED``.

    An update that names its own dataset (``USING``, ``USING NAMED`` or ``WITH``) together
    with these parameters is an error, as the Protocol says (section 2.2.3). ``DELETE WHERE``
    becomes ``DELETE { … } USING … WHERE { … }``, its long form.

    >>> add_update_dataset("INSERT { ?s a <C> } WHERE { ?s ?p ?o }", using=["http://g"])
    'INSERT { ?s a <C> } USING <http://g> WHERE { ?s ?p ?o }'
    """
    if not using and not using_named:
        return update
    masked = _mask(update)
    depths = masked.depths()
    clauses = "".join(f"USING <{g}> " for g in using)
    clauses += "".join(f"USING NAMED <{g}> " for g in using_named)
    edits: list[tuple[int, int, str]] = []
    for match in _UPDATE_KEYWORDS.finditer(masked.text):
        if depths[match.start()] != 0:
            continue
        word = match.group(1).lower()
        if word in ("with", "using"):
            raise UsageError(
                "the update names its dataset (USING or WITH) and the request does too "
                "(using-graph-uri/using-named-graph-uri); the SPARQL Protocol forbids both")
        if word != "where":
            continue
        before = masked.text[:match.start()].rstrip()
        if before.lower().endswith("delete"):  # DELETE WHERE { pattern }: the short form
            start = masked.text.index("{", match.end())
            end = _closing_brace(masked.text, start)
            pattern = update[start:end + 1]
            edits.append((match.start(), match.start(),
                          f"{pattern} {clauses}"))
        else:
            edits.append((match.start(), match.start(), clauses))
    for start, end, insert in reversed(edits):
        update = update[:start] + insert + update[end:]
    return update


def _closing_brace(masked: str, start: int) -> int:
    depth = 0
    for position in range(start, len(masked)):
        if masked[position] == "{":
            depth += 1
        elif masked[position] == "}":
            depth -= 1
            if depth == 0:
                return position
    raise UsageError("unbalanced braces in the update")


def _targets(text: str, keyword: re.Pattern[str], *,
             base_iri: str | None) -> Iterator[str | None]:
    """The absolute IRI after each place ``keyword`` may be read, ``None`` where it is not
    an IRI the text states (a variable, or something the scan cannot resolve)."""
    masked = _mask(text)
    for match in keyword.finditer(masked.text):
        position = match.end()
        if masked.text.startswith(":", position):
            if _PREFIX_DECL.search(masked.text, 0, match.start()):
                continue  # PREFIX service: <…> declares a prefix, it calls nothing
            if "" not in _declarations(masked, position, base_iri)[0]:
                # "service:x" is SERVICE <:x> only with the empty prefix declared; without
                # it the engine refuses the text, or reads a prefixed name "service:x"
                continue
        silent = _SILENT.match(masked.text, position)
        if silent:
            position = silent.end()
        while position < len(masked.text) and masked.text[position].isspace():
            position += 1
        yield _iri_at(masked, position, base_iri=base_iri)


def _iri_at(masked: _Masked, position: int, *, base_iri: str | None) -> str | None:
    prefixes, base = _declarations(masked, position, base_iri)
    if position in masked.iris:
        iri = _unescape(masked.iris[position])
        return _resolve(base, iri) if base else iri
    match = _PREFIXED.match(masked.text, position)
    if match is None:
        return None
    namespace = prefixes.get(match.group(1) or "")
    local = _LOCAL.match(masked.original, match.end())
    if namespace is None:
        return None
    return namespace + (local.group(0) if local else "")


def _declarations(masked: _Masked, before: int,
                  base_iri: str | None) -> tuple[dict[str, str], str | None]:
    """The PREFIX and BASE declarations that precede ``before``, the last one winning."""
    prefixes: dict[str, str] = {}
    base = base_iri
    for match in _DECLARATIONS.finditer(masked.text, 0, before):
        start = match.start(3) if match.group(1) else match.start(5)
        iri = _unescape(masked.iris.get(start, ""))
        iri = _resolve(base, iri) if base else iri
        if match.group(1):
            prefixes[masked.original[match.start(2):match.end(2)]] = iri
        else:
            base = iri
    return prefixes, base


def _resolve(base: str, iri: str) -> str:
    """``iri`` resolved against ``base`` by Oxigraph's own resolver (RFC 3986, as the
    engine does it: ``urljoin`` would drop an empty fragment, ``<ns#>`` becoming ``ns``)."""
    if _ABSOLUTE.match(iri) and "/." not in iri:
        return iri  # nothing to resolve (the common case: no parse)
    document = f"<{iri}> <urn:x:p> <urn:x:o> .".encode()
    try:
        quad = next(iter(ox.parse(document, format=ox.RdfFormat.TURTLE, base_iri=base)))
    except (SyntaxError, ValueError):
        return iri  # not an IRI the engine would take: it refuses the text itself
    return cast(ox.NamedNode, quad.subject).value


def _allowed(iri: str, allow: Sequence[str]) -> bool:
    return any(iri == entry or (entry.endswith("/") and iri.startswith(entry))
               for entry in allow)


def _unescape(iri: str) -> str:
    return _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), iri)


def declared_prefixes(text: str, *, base_iri: str | None = None) -> dict[str, str]:
    """The ``PREFIX`` declarations of the text, resolved against its ``BASE`` (or
    ``base_iri``); a prefix declared twice keeps its last namespace.

    >>> declared_prefixes("BASE <http://e.org/> PREFIX ex: <ns#> PREFIX : <http://a/> "
    ...                   "SELECT * { ?s ?p 'PREFIX no: <x>' }")
    {'ex': 'http://e.org/ns#', '': 'http://a/'}
    """
    return _declarations(_mask(text), len(text), base_iri)[0]


def undeclared_prefixes(text: str) -> list[str]:
    """The prefixes the text uses in prefixed names without a ``PREFIX`` declaration, in
    the order of their first use (``""`` for the empty prefix of ``:name``).

    >>> undeclared_prefixes("PREFIX ex: <http://e/> SELECT * { ?s a ex:A, ogk:N ; "
    ...                     "rdfs:label '?x:y' . _:b ?p :o }")
    ['ogk', 'rdfs', '']
    """
    masked = _mask(text)
    declared, _ = _declarations(masked, len(text), None)
    # where the declarations name their prefixes, which are no uses
    declaring = {m.start(2) for m in _DECLARATIONS.finditer(masked.text) if m.group(1)}
    found: list[str] = []
    for match in _PREFIX_USE.finditer(masked.text):
        name = text[match.start():match.end() - 1]
        if name not in declared and name not in found and match.start() not in declaring:
            found.append(name)
    return found


def explain_syntax_error(message: str, text: str) -> str:
    """The engine's syntax error ``message`` about ``text``, readable: an undeclared prefix
    is named with the declaration to add (pyoxigraph says only "Prefix not found" among
    every character it expected, or stumbles on something else first), and the long
    character classes of its "expected one of" lists read "a name character".

    >>> explain_syntax_error("expected one of Prefix not found, ['%']",
    ...                      "SELECT * { ?s a ogk:Network }")
    'the prefix ogk: is not declared: add PREFIX ogk: <https://w3id.org/ogkg/ns#>'
    """
    missing = "; ".join(
        f"the prefix {name}: is not declared: add PREFIX {name}: "
        f"<{PREFIXES.get(name, 'the namespace IRI')}>" for name in undeclared_prefixes(text))
    if missing and "Prefix not found" in message:
        return missing
    readable = _NAME_CHARACTERS.sub("a name character",
                                    _CHAR_CLASS.sub("a name character", message))
    # the engine may stumble elsewhere first (INSERT DATA { :a :b :c } "expected GRAPH")
    return f"{readable} (and {missing})" if missing else readable
