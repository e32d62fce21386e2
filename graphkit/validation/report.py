"""The validation report: typed findings, shared by every validation engine.

A :class:`Finding` is one SHACL validation result reduced to what a contributor and a
differential test need; a :class:`Report` is the list of them with JSON, Turtle (a
``sh:ValidationReport`` graph, `SHACL §3.6 <https://www.w3.org/TR/shacl/#validation-report>`_)
and text renderings.  Engines (pyshacl, the SPARQL compiler) must produce identical
:meth:`Finding.key` sets for the same data and shapes.

Conventions every engine follows:

- ``focus``: the IRI, or ``"_:" + id`` for a blank node;
- ``path``: the property IRI for a predicate path, the SPARQL property-path text for a
  complex path (``^<iri>`` for an inverse path, see :func:`path_text`), ``None`` for a
  node constraint;
- ``value``: the offending value in N-Triples syntax, or ``None``.

>>> f = Finding("https://w3id.org/ogkg/id/org/x", None, SH + "ClassConstraintComponent",
...             Severity.VIOLATION.value, "https://w3id.org/ogkg/shapes#S", None, "fix it")
>>> Report([f]).conforms
False
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any, cast

import pyoxigraph as ox

__all__ = [
    "SH",
    "Finding",
    "Report",
    "Severity",
    "path_text",
]

SH = "http://www.w3.org/ns/shacl#"
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


class Severity(str, Enum):
    """The three SHACL severities (`SHACL §2.1.4 <https://www.w3.org/TR/shacl/#severity>`_)."""

    VIOLATION = SH + "Violation"
    WARNING = SH + "Warning"
    INFO = SH + "Info"

    @property
    def label(self) -> str:
        return self.value.rsplit("#", 1)[1]

    @classmethod
    def of(cls, iri: str) -> Severity:
        """The severity for an IRI; unknown (custom) severities count as violations."""
        try:
            return cls(iri)
        except ValueError:
            return cls.VIOLATION


@dataclass(frozen=True, order=True)
class Finding:
    """One validation result."""

    focus: str          # IRI, or "_:id" for a blank node
    path: str | None    # property IRI; SPARQL property-path text for complex paths; None for node constraints
    component: str      # constraint component IRI, e.g. sh:MinCountConstraintComponent or sh:SPARQLConstraintComponent
    severity: str       # sh:Violation | sh:Warning | sh:Info (full IRIs)
    shape: str          # source shape IRI (blank shapes: "_:" + a stable id)
    value: str | None   # offending value in N-Triples syntax, or None
    message: str

    def key(self) -> tuple[str, str | None, str, str]:
        """What two engines must agree on: (focus, path, component, severity)."""
        return (self.focus, self.path, self.component, self.severity)

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)


@dataclass
class Report:
    """The findings of one validation run, sorted for stable output."""

    findings: list[Finding]
    labels: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.findings = sorted(set(self.findings), key=_order)

    @property
    def conforms(self) -> bool:
        """True when no finding is a violation (warnings and infos do not fail)."""
        return not any(Severity.of(f.severity) is Severity.VIOLATION for f in self.findings)

    def keys(self) -> set[tuple[str, str | None, str, str]]:
        return {f.key() for f in self.findings}

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if Severity.of(f.severity) is severity)

    def summary(self) -> dict[str, int | bool]:
        """Counts per severity plus ``conforms``, e.g. for PROV metadata of a contribution."""
        return {"conforms": self.conforms,
                "violations": self.count(Severity.VIOLATION),
                "warnings": self.count(Severity.WARNING),
                "infos": self.count(Severity.INFO)}

    def by_entity(self) -> dict[str, list[Finding]]:
        """Findings grouped by focus node, entities in IRI order."""
        groups: dict[str, list[Finding]] = {}
        for finding in self.findings:
            groups.setdefault(finding.focus, []).append(finding)
        return groups

    # ----------------------------------------------------------------- renderings

    def to_dict(self, *, lines: Mapping[str, str] | None = None) -> dict[str, object]:
        """JSON-ready data: the summary and the findings, each with the entity's label and,
        when ``lines`` maps a focus to ``file:line``, where it is defined."""
        findings = []
        for finding in self.findings:
            item: dict[str, object] = dict(finding.as_dict())
            item["severity_label"] = Severity.of(finding.severity).label
            item["label"] = self.labels.get(finding.focus)
            if lines is not None:
                item["defined_at"] = lines.get(finding.focus)
            findings.append(item)
        return {**self.summary(), "findings": findings}

    def to_json(self, *, lines: Mapping[str, str] | None = None, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(lines=lines), indent=indent, ensure_ascii=False)

    def to_quads(self) -> list[ox.Quad]:
        """The report as a ``sh:ValidationReport`` graph (default graph)."""
        report = ox.BlankNode()
        quads = [ox.Quad(report, _RDF_TYPE, ox.NamedNode(SH + "ValidationReport")),
                 ox.Quad(report, ox.NamedNode(SH + "conforms"),
                         ox.Literal(str(self.conforms).lower(),
                                    datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")))]
        blanks: dict[str, ox.BlankNode] = {}
        for finding in self.findings:
            result = ox.BlankNode()
            quads.append(ox.Quad(report, ox.NamedNode(SH + "result"), result))
            quads.append(ox.Quad(result, _RDF_TYPE, ox.NamedNode(SH + "ValidationResult")))
            quads.append(ox.Quad(result, ox.NamedNode(SH + "focusNode"),
                                 _node(finding.focus, blanks)))
            if finding.path is not None:
                quads.extend(_path_quads(result, finding.path))
            quads.append(ox.Quad(result, ox.NamedNode(SH + "sourceConstraintComponent"),
                                 ox.NamedNode(finding.component)))
            quads.append(ox.Quad(result, ox.NamedNode(SH + "resultSeverity"),
                                 ox.NamedNode(finding.severity)))
            quads.append(ox.Quad(result, ox.NamedNode(SH + "sourceShape"),
                                 _node(finding.shape, blanks)))
            if finding.value is not None:
                quads.append(ox.Quad(result, ox.NamedNode(SH + "value"),
                                     _term(finding.value, blanks)))
            quads.append(ox.Quad(result, ox.NamedNode(SH + "resultMessage"),
                                 ox.Literal(finding.message)))
        return quads

    def to_turtle(self) -> str:
        prefixes = {"sh": SH, "xsd": "http://www.w3.org/2001/XMLSchema#"}
        data = ox.serialize(self.to_quads(), format=ox.RdfFormat.TURTLE, prefixes=prefixes)
        return data.decode("utf-8") if isinstance(data, bytes) else str(data)

    def to_text(self, *, lines: Mapping[str, str] | None = None) -> str:
        """Human-readable report grouped by entity (label and IRI), then a summary line."""
        out: list[str] = []
        for focus, findings in self.by_entity().items():
            label = self.labels.get(focus)
            name = focus if focus.startswith("_:") else f"<{focus}>"
            head = f"{label} {name}" if label else name
            where = (lines or {}).get(focus)
            out.append(head + (f"  (defined at {where})" if where else ""))
            for f in findings:
                prop = _short(f.path) if f.path else "(the entity itself)"
                value = f" value {f.value}" if f.value is not None else ""
                out.append(f"  {Severity.of(f.severity).label.upper()}: {prop}{value}")
                out.append(f"    {f.message}")
            out.append("")
        s = self.summary()
        verdict = "conforms" if self.conforms else "does not conform"
        out.append(f"{verdict}: {s['violations']} violation(s), {s['warnings']} warning(s), "
                   f"{s['infos']} info(s)")
        return "\n".join(out) + "\n"


def _order(finding: Finding) -> tuple[str, ...]:
    """Sort key: like the dataclass order, with ``None`` before any text."""
    return (finding.focus, finding.path or "", finding.component, finding.severity,
            finding.shape, finding.value or "", finding.message)


# --------------------------------------------------------------------------- paths

def path_text(path: object, predicate: str | None = None) -> str | None:
    """The ``path`` field of a finding from a SHACL path given as nested Python values.

    ``path`` is an IRI string (predicate path), ``("inverse", p)``, ``("sequence", [..])``,
    ``("alternative", [..])``, ``("zeroOrMore"|"oneOrMore"|"zeroOrOne", p)``.  A predicate
    path is the bare IRI; anything else is SPARQL property-path text with ``<iri>``.

    >>> path_text(("inverse", "http://x/p"))
    '^<http://x/p>'
    """
    if path is None:
        return predicate
    if isinstance(path, str):
        return path
    return _sparql_path(path)


def _sparql_path(path: object) -> str:
    if isinstance(path, str):
        return f"<{path}>"
    kind, inner = cast("tuple[str, Any]", path)
    if kind == "inverse":
        return "^" + _group(inner)
    if kind == "sequence":
        return "/".join(_group(p) for p in inner)
    if kind == "alternative":
        return "|".join(_group(p) for p in inner)
    suffix = {"zeroOrMore": "*", "oneOrMore": "+", "zeroOrOne": "?"}[kind]
    return _group(inner) + suffix


def _group(path: object) -> str:
    text = _sparql_path(path)
    return text if isinstance(path, str) or text.startswith("^<") else f"({text})"


def _path_quads(result: ox.BlankNode, text: str) -> list[ox.Quad]:
    """``sh:resultPath`` for a finding's path: the property IRI, or the SHACL path node
    (`SHACL §2.3.1 <https://www.w3.org/TR/shacl/#property-paths>`_) for path text."""
    quads: list[ox.Quad] = []
    if not text.startswith(("^", "(", "<")):
        node: ox.NamedNode | ox.BlankNode = ox.NamedNode(text)
    else:
        parser = _PathParser(text, quads)
        node = parser.alternative()
        if parser.rest():
            raise ValueError(f"not a SPARQL property path: {text!r}")
    return [ox.Quad(result, ox.NamedNode(SH + "resultPath"), node), *quads]


_PATH_SUFFIX = {"*": "zeroOrMorePath", "+": "oneOrMorePath", "?": "zeroOrOnePath"}


class _PathParser:
    """Reads the property-path text :func:`path_text` writes back into SHACL path nodes."""

    def __init__(self, text: str, quads: list[ox.Quad]) -> None:
        self.text, self.at, self.quads = text, 0, quads

    def rest(self) -> str:
        return self.text[self.at:]

    def alternative(self) -> ox.NamedNode | ox.BlankNode:
        options = [self.sequence()]
        while self.rest().startswith("|"):
            self.at += 1
            options.append(self.sequence())
        if len(options) == 1:
            return options[0]
        node = ox.BlankNode()
        self.quads.append(ox.Quad(node, ox.NamedNode(SH + "alternativePath"), self._list(options)))
        return node

    def sequence(self) -> ox.NamedNode | ox.BlankNode:
        steps = [self.unary()]
        while self.rest().startswith("/"):
            self.at += 1
            steps.append(self.unary())
        return steps[0] if len(steps) == 1 else self._list(steps)

    def unary(self) -> ox.NamedNode | ox.BlankNode:
        if self.rest().startswith("^"):
            self.at += 1
            return self._wrap("inversePath", self.unary())
        node = self.primary()
        suffix = self.rest()[:1]
        if suffix in _PATH_SUFFIX:
            self.at += 1
            return self._wrap(_PATH_SUFFIX[suffix], node)
        return node

    def primary(self) -> ox.NamedNode | ox.BlankNode:
        if self.rest().startswith("("):
            self.at += 1
            node = self.alternative()
            if not self.rest().startswith(")"):
                raise ValueError(f"unbalanced parentheses in path {self.text!r}")
            self.at += 1
            return node
        if not self.rest().startswith("<"):
            raise ValueError(f"not a SPARQL property path: {self.text!r}")
        end = self.text.index(">", self.at)
        iri = self.text[self.at + 1:end]
        self.at = end + 1
        return ox.NamedNode(iri)

    def _wrap(self, kind: str, inner: ox.NamedNode | ox.BlankNode) -> ox.BlankNode:
        node = ox.BlankNode()
        self.quads.append(ox.Quad(node, ox.NamedNode(SH + kind), inner))
        return node

    def _list(self, items: list[ox.NamedNode | ox.BlankNode]) -> ox.BlankNode:
        rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
        head = ox.BlankNode()
        cell = head
        for index, item in enumerate(items):
            self.quads.append(ox.Quad(cell, ox.NamedNode(rdf + "first"), item))
            following: ox.NamedNode | ox.BlankNode = (
                ox.BlankNode() if index < len(items) - 1 else ox.NamedNode(rdf + "nil"))
            self.quads.append(ox.Quad(cell, ox.NamedNode(rdf + "rest"), following))
            if isinstance(following, ox.BlankNode):
                cell = following
        return head


def _node(text: str, blanks: dict[str, ox.BlankNode]) -> ox.NamedNode | ox.BlankNode:
    if text.startswith("_:"):
        return blanks.setdefault(text, ox.BlankNode())
    return ox.NamedNode(text)


def _term(text: str, blanks: dict[str, ox.BlankNode]) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An RDF term from its N-Triples text."""
    if text.startswith("_:"):
        return blanks.setdefault(text, ox.BlankNode())
    parsed = next(iter(ox.parse(f"<urn:s> <urn:p> {text} .", format=ox.RdfFormat.N_TRIPLES)))
    # one N-Triples term: never a quoted triple
    return cast("ox.NamedNode | ox.BlankNode | ox.Literal", parsed.object)


def _short(path: str) -> str:
    from graphkit.namespaces import compact
    if path.startswith(("^", "(", "<")):
        return path
    return compact(path)


def merge(reports: Iterable[Report]) -> Report:
    """One report from several (e.g. core and rules run separately)."""
    findings: list[Finding] = []
    labels: dict[str, str] = {}
    for report in reports:
        findings.extend(report.findings)
        labels.update(report.labels)
    return Report(findings, labels)
