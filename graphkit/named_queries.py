"""Named queries: ``sparql/<verb_noun>.rq`` files with a grlc-style ``#+`` YAML header.

The header follows grlc's decorators (https://github.com/CLARIAH/grlc/wiki/Decorator-syntax)::

    #+ summary: Members of an organisation or network, with role and dates
    #+ description: One row per membership ...
    #+ tags:
    #+   - memberships
    #+ defaults:
    #+   - organisation: https://w3id.org/ogkg/id/org/ogp-lowg
    #+ pagination: 100

and the parameters are the query's variables named the grlc (BASIL) way
(https://github.com/CLARIAH/grlc/wiki/Parameter-Mapping): ``?_name`` is a required
parameter, ``?__name`` an optional one; a suffix gives its type: ``?_org_iri`` an IRI,
``?_label_en`` a literal in English (any language tag), ``?_year_integer`` an
``xsd:integer`` (``integer``, ``decimal``, ``double``, ``boolean``, ``date``, ``dateTime``,
``gYear``, ``gYearMonth``, ``string``), ``?_day_xsd_date`` a literal of a datatype written
as a prefixed name the query declares; no suffix is a plain string. ``pagination: N`` adds
``LIMIT N OFFSET (page - 1) * N`` for the ``page`` parameter.

Unlike grlc, which pastes the value into the text, a value here is checked against its type,
made into an RDF term by pyoxigraph and bound with a ``VALUES`` block opening the WHERE
clause (https://www.w3.org/TR/sparql11-query/#inline-data): the query text is never
changed by what a caller sends, and the same bound query runs on the embedded store, through
the worker pool, and on a remote SPARQL endpoint. An unset optional parameter stays unbound.

A header that does not parse, an unknown decorator, a default for a parameter the query does
not have, or a parameter whose type is unknown is an error naming the file and line.

>>> query = parse_named_query_text("by_year", '''#+ summary: Things of a year
... SELECT ?s WHERE { ?s <http://e/year> ?_year_integer }''')
>>> [(p.name, p.type_name, p.required) for p in query.parameters]
[('year', 'xsd:integer', True)]
>>> query.bind({"year": "2024"}).splitlines()[-1]
'SELECT ?s WHERE { VALUES (?_year_integer) { ("2024"^^<http://www.w3.org/2001/XMLSchema#integer>) } ?s <http://e/year> ?_year_integer }'
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml

from graphkit.errors import InputError, UsageError
from graphkit.sparql_text import has_limit, query_form, variables, where_start
from graphkit.stores.base import QueryKind, QueryResult, Store

__all__ = [
    "NamedQuery",
    "Parameter",
    "ParameterType",
    "bound_named_query",
    "load_named_queries",
    "parse_named_query",
    "parse_named_query_text",
    "run_named_query",
]

XSD = "http://www.w3.org/2001/XMLSchema#"
_DECORATORS = {"summary", "description", "tags", "defaults", "pagination", "method"}
_NAME = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*\Z")
_PARAMETER = re.compile(r"(__?)([A-Za-z][A-Za-z0-9]*)(?:_([A-Za-z0-9_]+))?\Z")
_LANGUAGE = re.compile(r"[a-z]{2,3}\Z")
_PREFIX_DECLARATION = re.compile(r"(?im)^\s*prefix\s+([A-Za-z][\w.-]*)?:\s*<([^<>\s]*)>")
_LEXICAL = {
    "integer": re.compile(r"[+-]?\d+\Z"),
    "decimal": re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)\Z"),
    "double": re.compile(r"[+-]?((\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|INF|NaN)\Z"),
    "boolean": re.compile(r"(true|false|1|0)\Z"),
    "gYear": re.compile(r"-?\d{4,}(Z|[+-]\d{2}:\d{2})?\Z"),
    "gYearMonth": re.compile(r"-?\d{4,}-(0[1-9]|1[0-2])(Z|[+-]\d{2}:\d{2})?\Z"),
}
_XSD_TYPES = {"integer", "decimal", "double", "boolean", "date", "dateTime", "gYear",
              "gYearMonth", "string"}


class ParameterType(enum.Enum):
    """What a parameter's value becomes: an IRI, a plain string, a language-tagged literal
    or a literal of a datatype."""

    IRI = "iri"
    STRING = "string"
    LANGUAGE = "language"
    DATATYPE = "datatype"


@dataclass(frozen=True)
class Parameter:
    """One parameter of a named query, read from the variable that carries it."""

    name: str
    variable: str
    type: ParameterType
    required: bool
    default: str | None = None
    language: str | None = None
    datatype: str | None = None

    @property
    def type_name(self) -> str:
        """``iri``, ``string``, ``@en`` or a datatype (``xsd:integer``, or its full IRI)."""
        if self.type is ParameterType.LANGUAGE:
            return f"@{self.language}"
        if self.type is ParameterType.DATATYPE:
            assert self.datatype is not None
            return "xsd:" + self.datatype[len(XSD):] if self.datatype.startswith(XSD) \
                else self.datatype
        return str(self.type.value)

    def term(self, value: str) -> ox.NamedNode | ox.Literal:
        """``value`` as an RDF term of this parameter's type; :class:`UsageError` when it is
        not one (an IRI that does not parse, ``"seven"`` for an integer...)."""
        if self.type is ParameterType.IRI:
            if not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", value):
                raise UsageError(f"parameter {self.name}: {value!r} is not an absolute IRI "
                                 "(give it in full, e.g. https://w3id.org/ogkg/id/org/oecd)")
            try:
                return ox.NamedNode(value)
            except ValueError as error:
                raise UsageError(f"parameter {self.name}: {value!r} is not an IRI: "
                                 f"{error}") from None
        if self.type is ParameterType.LANGUAGE:
            return ox.Literal(value, language=self.language)
        if self.type is ParameterType.STRING:
            return ox.Literal(value)
        assert self.datatype is not None
        _check_lexical(self.name, value, self.datatype)
        return ox.Literal(value, datatype=ox.NamedNode(self.datatype))


def _check_lexical(name: str, value: str, datatype: str) -> None:
    local = datatype[len(XSD):] if datatype.startswith(XSD) else None
    valid = True
    if local in _LEXICAL:
        valid = _LEXICAL[local].match(value) is not None
    elif local == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            valid = False
    elif local == "dateTime":
        try:
            datetime.fromisoformat(value)
        except ValueError:
            valid = False
        valid = valid and "T" in value
    if not valid:
        raise UsageError(f"parameter {name}: {value!r} is not a valid xsd:{local}")


@dataclass(frozen=True)
class NamedQuery:
    """A query of the catalogue, with what its header and variables say."""

    name: str
    file: Path | None
    text: str
    kind: QueryKind
    summary: str
    description: str
    tags: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    pagination: int | None

    def bind(self, values: Mapping[str, str], *, page: int | None = None) -> str:
        """The query text with ``values`` (by parameter name; defaults fill the gaps) bound
        as RDF terms in a ``VALUES`` block, and the page's ``LIMIT``/``OFFSET``.

        :class:`UsageError` for an unknown parameter, a missing required one, a value not
        of its type, or a page below 1."""
        known = {p.name: p for p in self.parameters}
        unknown = sorted(set(values) - set(known))
        if unknown:
            expected = ", ".join(known) or "none"
            raise UsageError(f"query {self.name} has no parameter {', '.join(unknown)} "
                             f"(its parameters: {expected})")
        bound: list[tuple[Parameter, ox.NamedNode | ox.Literal]] = []
        for parameter in self.parameters:
            value = values.get(parameter.name, parameter.default)
            if value is None:
                if parameter.required:
                    raise UsageError(f"query {self.name} needs the parameter "
                                     f"{parameter.name} ({parameter.type_name})")
                continue
            bound.append((parameter, parameter.term(value)))
        text = self.text
        if bound:
            at = where_start(text)
            names = " ".join(f"?{p.variable}" for p, _ in bound)
            terms = " ".join(str(term) for _, term in bound)
            text = f"{text[:at]} VALUES ({names}) {{ ({terms}) }}{text[at:]}"
        if self.pagination is not None:
            number = 1 if page is None else page
            if number < 1:
                raise UsageError(f"page must be 1 or more (got {number})")
            text += f"\nLIMIT {self.pagination} OFFSET {(number - 1) * self.pagination}"
        elif page is not None and page != 1:
            raise UsageError(f"query {self.name} is not paginated; leave out page")
        return text

    def describe(self) -> dict[str, Any]:
        """What ``/api/queries`` lists about the query (JSON-ready)."""
        return {
            "name": self.name, "summary": self.summary, "description": self.description,
            "tags": list(self.tags), "kind": self.kind.value, "pagination": self.pagination,
            "parameters": [{"name": p.name, "type": p.type_name, "required": p.required,
                            "default": p.default} for p in self.parameters],
            "query": self.text,
        }


def parse_named_query(path: Path) -> NamedQuery:
    """Read ``path`` (``sparql/<name>.rq``); :class:`InputError` naming the file and line
    when the header or the parameters are wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot read the named query: {error}") from None
    return parse_named_query_text(path.stem, text, file=path)


def parse_named_query_text(name: str, text: str, *, file: Path | None = None) -> NamedQuery:
    """A named query from its text (see the module docstring for the header)."""
    where = str(file) if file is not None else name

    def fail(message: str, line: int | None = None) -> InputError:
        return InputError(f"{where}:{line}: {message}" if line else f"{where}: {message}")

    if not _NAME.match(name):
        raise fail(f"the query name {name!r} must be lower-case words joined by _")
    lines = text.splitlines()
    header: list[str] = []
    for line in lines:
        if not line.startswith("#+"):
            break
        header.append(line[3:] if line.startswith("#+ ") else line[2:])
    if not header:
        raise fail("no #+ header: a named query starts with '#+ summary: ...'", 1)
    try:
        meta = yaml.safe_load("\n".join(header))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise fail(f"the #+ header is not YAML: {error}".replace("\n", " "),
                   mark.line + 1 if mark is not None else 1) from None
    if not isinstance(meta, dict):
        raise fail("the #+ header must be a YAML mapping (summary: ..., tags: ...)", 1)
    unknown = sorted(set(meta) - _DECORATORS)
    if unknown:
        raise fail(f"unknown decorator {', '.join(unknown)} in the #+ header (known: "
                   f"{', '.join(sorted(_DECORATORS))})", _line_of(header, unknown[0]))
    summary = meta.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        raise fail("the #+ header needs a summary", 1)
    if str(meta.get("method", "GET")).upper() != "GET":
        raise fail("only method: GET is supported", _line_of(header, "method"))
    tags = meta.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise fail("tags must be a list of words", _line_of(header, "tags"))
    pagination = meta.get("pagination")
    if pagination is not None and (not isinstance(pagination, int) or pagination < 1
                                   or isinstance(pagination, bool)):
        raise fail("pagination must be a positive number of rows per page",
                   _line_of(header, "pagination"))
    body = "\n".join(lines[len(header):])
    kind = query_form(body)
    if kind is None:
        raise fail("the query is not a SELECT, ASK, CONSTRUCT or DESCRIBE query",
                   len(header) + 1)
    if pagination is not None and has_limit(body):
        raise fail("a paginated query must not have its own LIMIT or OFFSET",
                   _line_of(header, "pagination"))
    defaults = _defaults(meta.get("defaults"), fail, _line_of(header, "defaults"))
    parameters = _parameters(body, defaults, fail, first_line=len(header) + 1)
    if parameters:
        try:
            where_start(body)
        except UsageError as error:
            raise fail(str(error)) from None
    return NamedQuery(
        name=name, file=file, text=body, kind=kind, summary=summary.strip(),
        description=str(meta.get("description") or "").strip(), tags=tuple(tags),
        parameters=parameters, pagination=pagination)


def _line_of(header: list[str], key: str) -> int:
    for number, line in enumerate(header, start=1):
        if line.lstrip().startswith(f"{key}:"):
            return number
    return 1


def _defaults(raw: object, fail: Any, line: int) -> dict[str, str]:
    """grlc writes defaults as a list of one-entry mappings; a plain mapping is taken too."""
    if raw is None:
        return {}
    entries = raw if isinstance(raw, list) else [raw]
    defaults: dict[str, str] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            raise fail("defaults must be a list of 'name: value' entries", line)
        for key, value in entry.items():
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                raise fail(f"the default of {key} must be a single value", line)
            defaults[str(key)] = str(value)
    return defaults


def _parameters(body: str, defaults: dict[str, str], fail: Any, *,
                first_line: int) -> tuple[Parameter, ...]:
    prefixes = {m.group(1) or "": m.group(2) for m in _PREFIX_DECLARATION.finditer(body)}
    found: dict[str, Parameter] = {}
    for offset, variable in variables(body):
        if not variable.startswith("_"):
            continue
        match = _PARAMETER.match(variable)
        line = body.count("\n", 0, offset) + first_line
        if match is None:
            raise fail(f"?{variable} does not name a parameter the grlc way "
                       "(?_name, ?__name, ?_name_type)", line)
        optional, name, suffix = match.groups()
        parameter = _parameter(variable, name.lower(), suffix, required=optional == "_",
                               prefixes=prefixes, fail=lambda m, ln=line: fail(m, ln))
        previous = found.get(parameter.name)
        if previous is not None and previous.variable != variable:
            raise fail(f"the parameter {parameter.name} is carried by two variables, "
                       f"?{previous.variable} and ?{variable}", line)
        found[parameter.name] = parameter
    missing = sorted(set(defaults) - set(found))
    if missing:
        raise fail(f"a default is given for {', '.join(missing)}, which the query does not "
                   "use as a parameter")
    result = []
    for parameter in found.values():
        default = defaults.get(parameter.name)
        if default is not None:
            try:
                parameter.term(default)
            except UsageError as error:
                raise fail(f"bad default: {error}") from None
        result.append(Parameter(parameter.name, parameter.variable, parameter.type,
                                parameter.required, default, parameter.language,
                                parameter.datatype))
    return tuple(result)


def _parameter(variable: str, name: str, suffix: str | None, *, required: bool,
               prefixes: dict[str, str], fail: Any) -> Parameter:
    if name == "page":
        raise fail("page is the pagination parameter; name the variable otherwise")
    if suffix is None:
        return Parameter(name, variable, ParameterType.STRING, required)
    if suffix == "iri":
        return Parameter(name, variable, ParameterType.IRI, required)
    if suffix in _XSD_TYPES:
        return Parameter(name, variable, ParameterType.DATATYPE, required,
                         datatype=XSD + suffix)
    if _LANGUAGE.match(suffix):
        return Parameter(name, variable, ParameterType.LANGUAGE, required, language=suffix)
    prefix, _, local = suffix.partition("_")
    if local and prefix in prefixes:
        return Parameter(name, variable, ParameterType.DATATYPE, required,
                         datatype=prefixes[prefix] + local)
    raise fail(f"?{variable}: unknown parameter type {suffix!r} (iri, a language tag, "
               f"{', '.join(sorted(_XSD_TYPES))}, or prefix_datatype with a declared prefix)")


def load_named_queries(directory: Path) -> dict[str, NamedQuery]:
    """Every ``*.rq`` of ``directory`` by name, sorted; an empty catalogue when the
    directory does not exist."""
    if not directory.is_dir():
        return {}
    return {path.stem: parse_named_query(path) for path in sorted(directory.glob("*.rq"))}


def run_named_query(store: Store, query: NamedQuery, values: Mapping[str, str], *,
                    page: int | None = None, timeout: float | None = None) -> QueryResult:
    """Bind ``values`` and run the query on ``store``."""
    return store.query(query.bind(values, page=page), timeout=timeout)


def bound_named_query(directory: Path, name: str, assignments: list[str], *,
                      page: int | None = None) -> str:
    """The text of the named query ``name`` of ``directory`` with ``assignments``
    (``key=value`` strings, as the CLI's ``--param`` gives them) bound: what
    ``graphkit query --named NAME --param k=v`` runs."""
    catalogue = load_named_queries(directory)
    if name not in catalogue:
        known = ", ".join(catalogue) or f"none: {directory} has no .rq files"
        raise UsageError(f"there is no named query {name!r} (known: {known})")
    values: dict[str, str] = {}
    for assignment in assignments:
        key, equals, value = assignment.partition("=")
        if not equals or not key:
            raise UsageError(f"--param {assignment!r}: write it as name=value")
        if key in values:
            raise UsageError(f"--param {key} is given twice")
        values[key] = value
    return catalogue[name].bind(values, page=page)
