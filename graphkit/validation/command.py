"""``graphkit validate``: validate RDF files and print the report for people or programs.

The report is grouped by entity (label and IRI) with the file and line where each entity
is defined; a reference to an IRI of ours that nothing defines gets a "did you mean …?".
Exit codes: 0 conforms (warnings allowed), 1 violations, 2 unreadable input.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from enum import Enum
from pathlib import Path

import pyoxigraph as ox

from graphkit.errors import InputError
from graphkit.formats import RdfFormat
from graphkit.settings import Settings
from graphkit.validation import validate
from graphkit.validation.remote_context import is_query_store, remote_context
from graphkit.validation.report import Report
from graphkit.validation.shapes import (
    Shapes,
    as_triples,
    default_root,
    load_shapes,
    parse_file,
)
from graphkit.validation.suggest import OUR_NAMESPACES, candidates, suggest

__all__ = ["OutputFormat", "locate_subjects", "run_validate", "validate_files"]


class OutputFormat(str, Enum):
    TEXT = "text"
    JSON = "json"
    TURTLE = "turtle"


def project_shapes(settings: Settings) -> Shapes:
    """The shapes of ``settings.project_root``, or of this checkout when that has none."""
    root = settings.project_root
    return load_shapes(root if (root / "shapes").is_dir() else default_root())


def validate_files(files: Sequence[Path], *, settings: Settings, against_store: bool = False,
                   engine: str = "auto") -> tuple[Report, dict[str, str]]:
    """Validate ``files`` together (joined with the store when ``against_store``).

    Returns the report, with suggestions added to findings about unknown IRIs of ours, and
    ``focus IRI → "file:line"`` where each entity is defined.  Raises :class:`InputError`
    or :class:`RdfSyntaxError` (file, line, column) for input that cannot be read.
    """
    if not files:
        raise InputError("give at least one RDF file to validate")
    triples: list[ox.Triple] = []
    for path in files:
        triples.extend(parse_file(path))
    shapes = project_shapes(settings)
    context: list[ox.Triple] = []
    if against_store:
        from graphkit.stores import open_store

        with open_store(settings) as store:
            if is_query_store(store):  # remote: only what the files touch, in batches
                context = sorted(remote_context(triples, store, shapes).triples, key=str)
            else:
                context = as_triples(store)
    report = validate(triples, context=context or None, engine=engine, shapes=shapes)
    report = with_suggestions(report, [*shapes.vocabulary_triples, *context, *triples])
    lines: dict[str, str] = {}
    for path in files:
        for iri, line in locate_subjects(path).items():
            lines.setdefault(iri, f"{path}:{line}")
    return _name_blank_nodes(report, triples, lines), lines


def _name_blank_nodes(report: Report, triples: Sequence[ox.Triple],
                      lines: dict[str, str]) -> Report:
    """A finding on a blank node (e.g. a qualified derivation) is shown as part of the
    entity that points to it: "prov:qualifiedDerivation of <entity>", at its line."""
    from graphkit.namespaces import compact

    labels = dict(report.labels)
    for t in triples:
        if not isinstance(t.object, ox.BlankNode) or isinstance(t.subject, ox.BlankNode):
            continue
        blank = f"_:{t.object.value}"
        if blank in labels or not any(f.focus == blank for f in report.findings):
            continue
        assert isinstance(t.subject, ox.NamedNode)  # no quoted triples here
        parent = t.subject.value
        owner = report.labels.get(parent) or f"<{parent}>"
        labels[blank] = f"{compact(t.predicate.value)} of {owner}"
        if parent in lines:
            lines[blank] = lines[parent]
    return Report(report.findings, labels)


def with_suggestions(report: Report, triples: Sequence[ox.Triple]) -> Report:
    """Findings whose value is an undefined IRI of ours get "Did you mean …?" appended."""
    known = candidates(triples)
    findings = []
    for finding in report.findings:
        value = finding.value or ""
        iri = value[1:-1] if value.startswith("<") and value.endswith(">") else ""
        if iri.startswith(OUR_NAMESPACES) and iri not in known:
            close = suggest(iri, known)
            if close:
                hint = " or ".join(f"<{other}> ({label})" for other, label in close)
                finding = replace(finding, message=f"{finding.message} Did you mean {hint}?")
        findings.append(finding)
    return Report(findings, report.labels)


_PREFIX = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)
_PNAME = re.compile(r"^([A-Za-z][\w.-]*)?:((?:[\w.:%-]|\\.)*)")


def locate_subjects(path: Path) -> dict[str, int]:
    """Line (1-based) where each IRI subject is first written at the start of a line, for
    Turtle, TriG and N-Triples/N-Quads (other formats give no lines).

    A subject counts where a statement starts: at the first column of a line (the style
    of the curated data and of every N-Triples file), as ``<iri>`` or ``prefix:local``.
    """
    try:
        fmt = RdfFormat.from_path(path)
    except InputError:
        return {}
    if fmt not in (RdfFormat.TURTLE, RdfFormat.TRIG, RdfFormat.N_TRIPLES, RdfFormat.N_QUADS):
        return {}
    if path.suffix == ".gz":
        return {}
    prefixes: dict[str, str] = {}
    found: dict[str, int] = {}
    text = path.read_text(encoding="utf-8", errors="replace")
    for number, line in enumerate(text.splitlines(), start=1):
        declared = _PREFIX.match(line)
        if declared:
            prefixes[declared.group(1) or ""] = declared.group(2)
            continue
        if not line or line[0].isspace() or line[0] == "#":
            continue
        iri = _subject(line, prefixes)
        if iri is not None:
            found.setdefault(iri, number)
    return found


def _subject(line: str, prefixes: dict[str, str]) -> str | None:
    if line.startswith("<"):
        end = line.find(">")
        return line[1:end] if end > 0 else None
    match = _PNAME.match(line)
    if not match or (match.group(1) or "") not in prefixes:
        return None
    local = re.sub(r"\\(.)", r"\1", match.group(2)).rstrip(".")
    return prefixes[match.group(1) or ""] + local


def run_validate(files: Sequence[Path], *, settings: Settings, against_store: bool,
                 output: OutputFormat, engine: str = "auto") -> tuple[str, int]:
    """The rendered report and the exit code (0 conforms, 1 violations)."""
    report, lines = validate_files(files, settings=settings, against_store=against_store,
                                   engine=engine)
    if output is OutputFormat.JSON:
        text = report.to_json(lines=lines) + "\n"
    elif output is OutputFormat.TURTLE:
        text = report.to_turtle()
    else:
        text = report.to_text(lines=lines)
    return text, 0 if report.conforms else 1
