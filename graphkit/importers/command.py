"""What ``graphkit import csv|popolo FILE [--out FILE | --load]`` does, as a library call.

:func:`run_import` maps the file, then writes the RDF (to a file, appearing only when
complete, or to a stream) or hands it in as a contribution: validated against the store
and, with no violation, stored in its own graph with its PROV record
(:func:`graphkit.contributions.submit`).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import IO

from graphkit.errors import UsageError
from graphkit.formats import RdfFormat
from graphkit.importers import ImportResult, Vocabulary
from graphkit.settings import Settings

__all__ = ["ImportKind", "ImportOutcome", "map_file", "run_import"]


class ImportKind(str, Enum):
    CSV = "csv"
    POPOLO = "popolo"


@dataclass
class ImportOutcome:
    """The mapped data, and the contribution when it was loaded."""

    result: ImportResult
    contribution_id: str | None = None
    summary: dict[str, int | bool] = field(default_factory=dict)

    def describe(self) -> str:
        counts = ", ".join(f"{n} {cls}" for cls, n in sorted(self.result.counts.items()))
        text = f"{len(self.result)} triples ({counts})"
        if self.contribution_id:
            text += (f"; stored as contribution {self.contribution_id} "
                     f"({self.summary.get('warnings', 0)} warnings)")
        return text


def map_file(kind: ImportKind, path: Path, *, settings: Settings,
             template: str | None = None) -> ImportResult:
    """The RDF of a CSV template or Popolo file, concept codes checked against the
    project's schemes (``ontology/schemes``) when they are there."""
    schemes = settings.project_root / "ontology" / "schemes"
    vocabulary = Vocabulary.from_files(schemes, base_iri=settings.base_iri) \
        if schemes.is_dir() else None
    if kind is ImportKind.CSV:
        from graphkit.importers.csv import import_csv_file

        return import_csv_file(path, base_iri=settings.base_iri, template=template,
                               vocabulary=vocabulary)
    if template is not None:
        raise UsageError("--template is for CSV files only")
    from graphkit.importers.popolo import import_popolo

    return import_popolo(path, base_iri=settings.base_iri, vocabulary=vocabulary)


def run_import(kind: ImportKind, path: Path, *, settings: Settings, out: Path | None = None,
               load: bool = False, stdout: IO[bytes] | None = None,
               template: str | None = None, contributor: str = "graphkit import"
               ) -> ImportOutcome:
    """Map ``path`` and write it to ``out`` (format from its extension), load it as a
    contribution (``load``), or write Turtle to ``stdout``."""
    if out is not None and load:
        raise UsageError("give --out or --load, not both")
    result = map_file(kind, path, settings=settings, template=template)
    if load:
        from graphkit.contributions import submit
        from graphkit.stores import open_store

        with open_store(settings) as store:
            contribution, _report = submit(store, result.triples, base_iri=settings.base_iri,
                                          contributor=contributor, source=str(path),
                                          comment=f"graphkit import {kind.value} {path.name}")
        return ImportOutcome(result, contribution.id, contribution.summary)
    if out is not None:
        _write_atomically(out, result.serialize(RdfFormat.from_path(out)))
    elif stdout is not None:
        stdout.write(result.serialize())
    return ImportOutcome(result)


def _write_atomically(path: Path, data: bytes) -> None:
    """The file appears only when complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
