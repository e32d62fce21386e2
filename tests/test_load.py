"""Loading files and keeping the store in step with the project's files."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import pytest

from graphkit.errors import InputError, RdfSyntaxError
from graphkit.load import load_files, project_graphs, sync_project
from graphkit.nesting import JSON_LIMIT
from graphkit.settings import Settings
from graphkit.stores import OxigraphStore
from tests.support import value

DATA = Path(__file__).parent / "data"
TTL = """@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/ogkg/id/org/{slug}> rdfs:label "{label}"@en .
"""


def project(root: Path) -> Settings:
    for folder in ("ontology/schemes", "shapes", "data"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "ontology" / "ogk.ttl").write_text(TTL.format(slug="o", label="Ontology"))
    (root / "ontology" / "schemes" / "themes.ttl").write_text(TTL.format(slug="t", label="T"))
    (root / "shapes" / "core.ttl").write_text(TTL.format(slug="s", label="Shapes"))
    (root / "data" / "first.ttl").write_text(TTL.format(slug="a", label="A"))
    (root / "data" / "second.ttl").write_text(TTL.format(slug="b", label="B"))
    return Settings(store_path=None, project_root=root)


def sizes(store: OxigraphStore) -> dict[str | None, int]:
    return {g.name: g.triples for g in store.graphs()}


def test_project_files_map_to_named_graphs(tmp_path: Path) -> None:
    settings = project(tmp_path)
    plan = project_graphs(settings)
    assert set(plan) == {settings.graph_iri(n) for n in (
        "ontology", "schemes", "shapes", "source/first", "source/second")}


def test_sync_reloads_only_what_changed(tmp_path: Path) -> None:
    settings = project(tmp_path)
    store = OxigraphStore()
    first = sync_project(store, settings)
    assert len(first.loaded) == 5 and not first.unchanged
    again = sync_project(store, settings)
    assert not again.loaded and len(again.unchanged) == 5
    (tmp_path / "data" / "first.ttl").write_text(TTL.format(slug="a", label="A, renamed"))
    (tmp_path / "data" / "second.ttl").unlink()
    third = sync_project(store, settings)
    assert third.loaded == [settings.graph_iri("source/first")]
    assert third.removed == [settings.graph_iri("source/second")]
    labels = [value(r["l"]) for r in store.query(
        "SELECT ?l WHERE { <https://w3id.org/ogkg/id/org/a> ?p ?l }").rows()]
    assert labels == ["A, renamed"]  # replaced, not added to
    assert settings.graph_iri("source/second") not in sizes(store)


def test_sync_checks_every_changed_file_before_writing(tmp_path: Path) -> None:
    settings = project(tmp_path)
    store = OxigraphStore()
    sync_project(store, settings)
    before = sizes(store)
    (tmp_path / "data" / "first.ttl").write_text(TTL.format(slug="a", label="A2"))
    (tmp_path / "data" / "second.ttl").write_text("<broken")
    with pytest.raises(RdfSyntaxError) as caught:
        sync_project(store, settings)
    assert caught.value.file and caught.value.file.endswith("second.ttl")
    assert caught.value.line == 1
    assert sizes(store) == before


def test_sync_survives_reopen(tmp_path: Path) -> None:
    settings = project(tmp_path / "project")
    with OxigraphStore(tmp_path / "store") as store:
        sync_project(store, settings)
    with OxigraphStore(tmp_path / "store") as store:
        report = sync_project(store, settings)
    assert not report.loaded and len(report.unchanged) == 5


def test_load_files_is_all_or_nothing(tmp_path: Path) -> None:
    store = OxigraphStore()
    with pytest.raises(RdfSyntaxError):
        load_files(store, [DATA / "small.ttl", DATA / "broken.nt"])
    assert sizes(store) == {}
    with pytest.raises(InputError):
        load_files(store, [DATA / "small.ttl", tmp_path / "missing.ttl"])
    assert sizes(store) == {}
    load_files(store, [DATA / "small.ttl"], graph="https://example.org/g")
    assert sizes(store) == {"https://example.org/g": 4}


def test_load_reports_progress_for_a_stream(tmp_path: Path) -> None:
    seen: list[int] = []
    store = OxigraphStore()
    store.load(DATA / "small.ttl", format=__import__("graphkit").RdfFormat.TURTLE,
               graph="https://example.org/g", progress=seen.append)
    assert sum(seen) == (DATA / "small.ttl").stat().st_size


# -- input nested deep enough to crash the parser ------------------------------------------
# Each of these killed the process (SIGSEGV, a stack overflow in pyoxigraph) when loaded
# unchecked; they run in a subprocess so that a regression fails the test, not pytest.
DEEP_JSON_LD = ('{"@id": "http://ex/a", "http://ex/p": ' + '{"http://ex/p": ' * 8_000 + "1"
                + "}" * 8_000 + "}")
DEEP_RDF_XML = ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                'xmlns:e="http://ex/">\n<rdf:Description rdf:about="http://ex/a">\n'
                + "<e:p><rdf:Description>" * 60_000 + "</rdf:Description></e:p>" * 60_000
                + "</rdf:Description></rdf:RDF>\n")
RUN_CLI = "import sys; from graphkit.cli import main; sys.exit(main(sys.argv[1:]))"


def graphkit(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", RUN_CLI, *map(str, args)],
                          capture_output=True, text=True, timeout=120, check=False)


def deep_files(folder: Path) -> dict[str, Path]:
    files = {"deep.jsonld": DEEP_JSON_LD.encode(), "deep.rdf": DEEP_RDF_XML.encode(),
             "deep.jsonld.gz": gzip.compress(DEEP_JSON_LD.encode())}
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return {name: folder / name for name in files}


@pytest.mark.parametrize("name", ["deep.jsonld", "deep.rdf", "deep.jsonld.gz"])
@pytest.mark.parametrize("alone", [True, False], ids=["one file", "with another"])
def test_load_refuses_input_nested_deep_enough_to_crash(tmp_path: Path, name: str,
                                                        alone: bool) -> None:
    deep = deep_files(tmp_path)[name]
    others = [] if alone else [DATA / "small.ttl"]  # several files: check_syntax first
    done = graphkit("load", *others, deep, "--graph", "https://example.org/g",
                    "--store", tmp_path / "store")
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    where = "1:" if "jsonld" in name else "3:"  # the RDF/XML nests from its third line
    assert f"{deep}:{where}" in done.stderr and "levels deep" in done.stderr, done.stderr
    listed = graphkit("query", "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", "--format", "csv",
                      "--store", tmp_path / "store")
    assert listed.returncode == 0 and listed.stdout.split() == ["n", "0"], listed


def test_check_syntax_names_file_line_and_column_of_the_nesting(tmp_path: Path) -> None:
    deep = deep_files(tmp_path)["deep.jsonld"]
    script = (f"from pathlib import Path\nfrom graphkit.errors import RdfSyntaxError\n"
              f"from graphkit.formats import RdfFormat\nfrom graphkit.load import check_syntax\n"
              f"try:\n    check_syntax(Path({str(deep)!r}), RdfFormat.JSON_LD)\n"
              f"except RdfSyntaxError as error:\n    print(error.file, error.line, error.column)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    opener = DEEP_JSON_LD.index("{", 1)  # the first nested object is level 2
    column = opener + len('{"http://ex/p": ') * (JSON_LIMIT - 1) + 1
    assert done.stdout.split() == [str(deep), "1", str(column)]


def test_shallow_json_ld_and_rdf_xml_still_load(tmp_path: Path) -> None:
    shallow = tmp_path / "shallow.jsonld"
    shallow.write_text('{"@id": "http://ex/a", "http://ex/p": ' + '{"http://ex/p": ' * 50
                       + "1" + "}" * 50 + "}")
    store = OxigraphStore()
    load_files(store, [shallow], graph="https://example.org/g")
    assert sizes(store) == {"https://example.org/g": 51}
