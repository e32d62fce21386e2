"""HTML documentation of the ontology and the SKOS schemes, made with pyLODE.

``write_docs(root, out)`` writes ``out/index.html`` (the ontology, pyLODE's OntPub profile)
and ``out/schemes/<name>.html`` (each scheme with its hierarchy and every concept, made by
:mod:`graphkit.docs_schemes`: pyLODE 3.3.4's VocPub profile renders only a scheme's
metadata). The service serves the ontology page at ``/ns``.
"""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from graphkit.docs_schemes import render_scheme
from graphkit.errors import InputError, RdfSyntaxError

__all__ = ["DocsReport", "write_docs"]


@dataclass
class DocsReport:
    """The pages :func:`write_docs` wrote."""

    pages: list[Path] = field(default_factory=list)


def write_docs(root: Path, out: Path) -> DocsReport:
    """Write the ontology's and the schemes' HTML documentation under ``out``.

    Each page is written beside its target and renamed into place, so a failure never
    leaves a half page behind.
    """
    ontpub = _ontpub()
    ontology = root / "ontology" / "ogk.ttl"
    if not ontology.is_file():
        raise InputError(f"{ontology}: no such file; the ontology must be there to document")
    report = DocsReport()
    _write(out / "index.html", _render(ontpub, ontology), report)
    for scheme in sorted((root / "ontology" / "schemes").glob("*.ttl")):
        _write(out / "schemes" / f"{scheme.stem}.html", render_scheme(scheme), report)
    return report


def _ontpub() -> type:
    """pyLODE's OntPub profile, imported without the logging set-up pyLODE 3.3.4 does on import.

    Its ``profiles/supermodel/loader.py`` calls ``logging.basicConfig(level=logging.DEBUG)``,
    which would print every library's debug and info records on stderr from then on (in the
    CLI and in the service alike); the root logger is put back as it was.
    """
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        from pylode.profiles.ontpub import OntPub
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    return cast(type, OntPub)  # pylode has no type hints


def _render(profile: type, path: Path) -> str:
    from pylode.profiles.ontpub import PylodeError

    try:
        html: str = profile(ontology=path).make_html(include_css=True)
    except SyntaxError as error:  # rdflib's parse error
        raise RdfSyntaxError(str(error), file=path) from error
    except (PylodeError, KeyError, ValueError) as error:
        raise InputError(f"{path}: pyLODE could not document it: {error}") from error
    return html


def _write(target: Path, html: str, report: DocsReport) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".page-")
    with os.fdopen(handle, "w", encoding="utf-8") as page:
        page.write(html)
    os.replace(temporary, target)
    report.pages.append(target)
