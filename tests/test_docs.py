"""``graphkit docs``: the ontology page (pyLODE) and one page per SKOS scheme listing
every concept of the scheme with an anchor, written atomically."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import cast

import pyoxigraph as ox
import pytest

from graphkit.docs import write_docs
from graphkit.docs_schemes import render_scheme
from graphkit.errors import InputError

PROJECT = Path(__file__).resolve().parent.parent
SCHEMES = sorted((PROJECT / "ontology" / "schemes").glob("*.ttl"))
SKOS = "http://www.w3.org/2004/02/skos/core#"


def _concepts(path: Path) -> dict[str, str]:
    """Concept IRI → English preferred label, read straight from the file."""
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    return {row["c"].value: row["l"].value for row in cast(ox.QuerySolutions, store.query(
        f"SELECT ?c ?l WHERE {{ ?c <{SKOS}inScheme> ?s ; <{SKOS}prefLabel> ?l "
        f"FILTER(langMatches(lang(?l), 'en')) }}"))}


@pytest.mark.parametrize("path", SCHEMES, ids=[p.stem for p in SCHEMES])
def test_every_concept_of_a_scheme_has_its_section(path: Path) -> None:
    page = render_scheme(path)
    concepts = _concepts(path)
    assert concepts, f"{path.name} has no concepts"
    for iri, label in concepts.items():
        slug = iri.rsplit("/", 1)[-1]
        assert f'<section id="{slug}">' in page, f"no section for {iri}"
        assert f"<code>{iri}</code>" in page
        escaped = label.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert escaped.replace("'", "&#39;").replace('"', "&#34;") in page, label


def test_a_file_without_one_scheme_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "two.ttl"
    bad.write_text(f"<http://ex/a> a <{SKOS}ConceptScheme> . "
                   f"<http://ex/b> a <{SKOS}ConceptScheme> .\n")
    with pytest.raises(InputError, match="expected one skos:ConceptScheme, found 2"):
        render_scheme(bad)


def test_graphkit_docs_writes_the_ontology_and_every_scheme(tmp_path: Path) -> None:
    out = tmp_path / "docs"
    report = write_docs(PROJECT, out)
    assert {p.relative_to(out).as_posix() for p in report.pages} == (
        {"index.html"} | {f"schemes/{p.stem}.html" for p in SCHEMES})
    ontology = (out / "index.html").read_text(encoding="utf-8")
    for term in ("Organisation", "Network", "AgendaItem", "convenes"):
        assert term in ontology
    assert not list(out.rglob(".page-*")), "a temporary page was left behind"


def test_the_cli_reports_a_missing_ontology(tmp_path: Path) -> None:
    done = subprocess.run([str(Path(sys.executable).parent / "graphkit"), "docs",
                           "--out", str(tmp_path / "out")], check=False, capture_output=True, text=True,
                          env={**os.environ, "GRAPHKIT_PROJECT_ROOT": str(tmp_path)})
    assert done.returncode == 2, done.stderr
    assert "ogk.ttl: no such file" in done.stderr


def test_the_cli_writes_into_docs_ontology_of_the_project(tmp_path: Path) -> None:
    """Without ``--out`` the pages go to ``docs/ontology/`` of the project, whatever the
    working directory; exit 0 and one line per page on stderr."""
    root = tmp_path / "project"
    shutil.copytree(PROJECT / "ontology", root / "ontology")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = subprocess.run([str(Path(sys.executable).parent / "graphkit"), "docs"],
                          check=False, capture_output=True, text=True, cwd=elsewhere,
                          env={**os.environ, "GRAPHKIT_PROJECT_ROOT": str(root)})
    assert done.returncode == 0, done.stderr
    out = root / "docs" / "ontology"
    written = {p.relative_to(out).as_posix() for p in out.rglob("*.html")}
    assert written == {"index.html"} | {f"schemes/{p.stem}.html" for p in SCHEMES}
    assert len(done.stderr.splitlines()) == len(written)
    assert not list(elsewhere.iterdir()), "nothing is written to the working directory"
    assert "convenes" in (out / "index.html").read_text(encoding="utf-8")
