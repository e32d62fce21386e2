"""Shapes cases: small Turtle files with their expected findings in header comments.

A case file ``tests/shapes/cases/<name>.ttl`` is Turtle whose leading comment says what it
tests and what validation must find::

    # Case: an organisation without a label
    # Shapes: ogksh:EntityShape ogksh:OrganisationShape
    # Expect: kgorg:nameless rdfs:label MinCount Violation
    # Expect: kgorg:Bad_Slug - Pattern Violation

``Shapes`` names the shapes the case is about (``all`` for every shape).  Each ``Expect``
is one finding key: focus node, path (``-`` for none, ``^p`` for an inverse path), the
constraint component without ``sh:`` and ``ConstraintComponent`` (``SPARQL`` for
SHACL-SPARQL), and the severity.  Terms are prefixed names of the file's own ``@prefix``
lines or ``<iri>``.  A case without ``Expect`` lines is positive: nothing at all is found.
The findings compared are every finding, whatever its severity.  ``cases/_prefixes.ttl``
is the prefix block the cases start with (files starting with ``_`` are not cases);
``positive-base.ttl`` describes every kind of entity correctly and must stay clean.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CASES_DIR", "Case", "load_cases"]

CASES_DIR = Path(__file__).parent / "cases"
SH = "http://www.w3.org/ns/shacl#"
_PREFIX = re.compile(r"^@prefix\s+([\w-]*):\s*<([^>]*)>\s*\.", re.MULTILINE)
_HEADER = re.compile(r"^#\s*(Case|Shapes|Expect):\s*(.*?)\s*$", re.MULTILINE)
_SEVERITIES = {"Violation", "Warning", "Info"}

Key = tuple[str, "str | None", str, str]


@dataclass(frozen=True)
class Case:
    path: Path
    title: str
    shapes: tuple[str, ...]   # shape IRIs, or ("all",)
    expected: frozenset[Key]

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def positive(self) -> bool:
        return not self.expected


def load_cases(directory: Path = CASES_DIR) -> list[Case]:
    return [parse_case(p) for p in sorted(directory.glob("*.ttl")) if not p.name.startswith("_")]


def parse_case(path: Path) -> Case:
    text = path.read_text(encoding="utf-8")
    prefixes = {m.group(1): m.group(2) for m in _PREFIX.finditer(text)}
    prefixes.setdefault("ogksh", "https://w3id.org/ogkg/shapes#")
    title = ""
    shapes: list[str] = []
    expected: set[Key] = set()
    for match in _HEADER.finditer(text):
        field, value = match.groups()
        where = f"{path.name}: {match.group(0)!r}"
        if field == "Case":
            title = value
        elif field == "Shapes":
            shapes.extend("all" if v == "all" else _iri(v, prefixes, where)
                          for v in value.split())
        else:
            parts = value.split()
            if len(parts) != 4 or parts[3] not in _SEVERITIES:
                raise ValueError(f"{where}: write 'Expect: focus path Component Severity'")
            focus, path_text, component, severity = parts
            expected.add((_iri(focus, prefixes, where), _path(path_text, prefixes, where),
                          f"{SH}{component}ConstraintComponent", f"{SH}{severity}"))
    if not title or not shapes:
        raise ValueError(f"{path.name}: a case needs '# Case:' and '# Shapes:' lines")
    return Case(path, title, tuple(shapes), frozenset(expected))


def _iri(text: str, prefixes: dict[str, str], where: str) -> str:
    if text.startswith("<") and text.endswith(">"):
        return text[1:-1]
    prefix, sep, local = text.partition(":")
    if not sep or prefix not in prefixes:
        raise ValueError(f"{where}: unknown prefix in {text!r}")
    return prefixes[prefix] + local


def _path(text: str, prefixes: dict[str, str], where: str) -> str | None:
    if text == "-":
        return None
    if text.startswith("^"):
        return f"^<{_iri(text[1:], prefixes, where)}>"
    return _iri(text, prefixes, where)
