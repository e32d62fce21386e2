"""``graphkit validate``: the report by entity, its formats, exit codes, line numbers,
"did you mean …?" and ``--against-store``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import cast

import pytest
import rdflib
from rdflib.namespace import RDF

from graphkit.cli import main
from graphkit.formats import RdfFormat
from graphkit.stores import OxigraphStore
from graphkit.validation.command import locate_subjects

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
ID = "https://w3id.org/ogkg/id/"

PREFIXES = """@prefix ogk: <https://w3id.org/ogkg/ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix orgtype: <https://w3id.org/ogkg/scheme/organisation-types/> .
@prefix id: <https://w3id.org/ogkg/id/> .
"""

SOURCE = """
id:source\\/test-source
    a ogk:SourceDocument ;
    rdfs:label "Test source"@en ;
    dcterms:title "Test source"@en ;
    dcterms:issued "2024-05-01"^^xsd:date .
"""


def body(slug: str, label: str, extra: str = "") -> str:
    return f"""
<{ID}org/{slug}>
    a ogk:Organisation ;
    rdfs:label "{label}"@en ;
    org:classification orgtype:ministry ;{extra}
    prov:wasDerivedFrom <{ID}source/test-source> ;
    prov:qualifiedDerivation [ a prov:Derivation ; prov:entity <{ID}source/test-source> ;
                               ogk:quote "It exists."@en ] .
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["validate", "--engine", "pyshacl", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_conforming_file_exits_0_even_with_warnings(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "good.ttl", PREFIXES + SOURCE + body("test-body", "Test body"))
    code, out, err = run(capsys, str(path))
    assert code == 0, out + err
    assert "WARNING" in out  # the source document has no publication type: a warning only
    assert "VIOLATION" not in out
    assert out.rstrip().splitlines()[-1].startswith("conforms: 0 violation(s)")


def test_violations_are_grouped_by_entity_with_line_value_and_message(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = body("Bad_Slug", "Bad body", "\n    org:subOrganizationOf <" + ID + "org/nowhere> ;")
    path = write(tmp_path, "bad.ttl", PREFIXES + SOURCE + bad)
    code, out, _ = run(capsys, str(path))
    assert code == 1
    line = 1 + (PREFIXES + SOURCE).count("\n") + 1  # body() starts with a newline
    assert f"Bad body <{ID}org/Bad_Slug>  (defined at {path}:{line})" in out
    block = out.split(f"<{ID}org/Bad_Slug>", 1)[1].split("\n\n", 1)[0]
    assert f"VIOLATION: org:subOrganizationOf value <{ID}org/nowhere>" in block
    assert "is not defined anywhere" in block
    assert "lower-case ASCII words" in block  # the slug rule's message says how to fix it
    assert "does not conform" in out.splitlines()[-1]


def test_json_and_turtle_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = body("test-body", "Test body", "\n    rdfs:label \"Second label\"@en ;")
    path = write(tmp_path, "bad.ttl", PREFIXES + SOURCE + bad)
    code, out, _ = run(capsys, str(path), "--format", "json")
    assert code == 1
    data = json.loads(out)
    assert data["conforms"] is False and data["violations"] >= 1
    single = [f for f in data["findings"]
              if f["component"] == str(SH.MaxCountConstraintComponent)
              and f["path"] == str(rdflib.RDFS.label)]
    assert len(single) == 1
    assert single[0]["focus"] == f"{ID}org/test-body"
    assert single[0]["severity_label"] == "Violation"
    assert single[0]["defined_at"].endswith("bad.ttl:16")
    assert single[0]["label"] in ("Test body", "Second label")

    code, out, _ = run(capsys, str(path), "--format", "turtle")
    assert code == 1
    graph = rdflib.Graph().parse(data=out, format="turtle")
    report = next(graph.subjects(RDF.type, SH.ValidationReport))
    assert cast(rdflib.Literal, graph.value(report, SH.conforms)).toPython() is False
    results = list(graph.objects(report, SH.result))
    assert len(results) == len(data["findings"])
    assert any(graph.value(r, SH.sourceConstraintComponent) == SH.MaxCountConstraintComponent
               and graph.value(r, SH.resultPath) == rdflib.RDFS.label for r in results)


def test_unreadable_input_exits_2_with_file_line_column(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "broken.ttl", PREFIXES + "\n<https://w3id.org/ogkg/id/org/x> a .\n")
    code, out, err = run(capsys, str(path))
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert f"{path}:10:" in err

    code, _, err = run(capsys, str(tmp_path / "missing.ttl"))
    assert code == 2
    assert "missing.ttl: no such file" in err


def test_against_store_resolves_references_and_suggests_close_entities(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store_dir = tmp_path / "store"
    context = write(tmp_path, "context.ttl", PREFIXES + SOURCE
                    + body("oecd-public-governance-directorate",
                           "OECD Public Governance Directorate"))
    with OxigraphStore(store_dir) as store:
        store.load(context, format=RdfFormat.TURTLE, graph="https://w3id.org/ogkg/graph/test")

    typo = body("test-body", "Test body",
                f"\n    org:subOrganizationOf <{ID}org/oecd-public-governance-directorat> ;")
    path = write(tmp_path, "typo.ttl", PREFIXES + typo)
    code, out, _ = run(capsys, str(path), "--against-store", "--store", str(store_dir))
    assert code == 1
    assert (f"Did you mean <{ID}org/oecd-public-governance-directorate> "
            "(OECD Public Governance Directorate)?") in out
    # the context's own entities are not reported, only what the file is about
    assert "Test source <" not in out

    right = body("test-body", "Test body",
                 f"\n    org:subOrganizationOf <{ID}org/oecd-public-governance-directorate> ;")
    path = write(tmp_path, "right.ttl", PREFIXES + right)
    code, out, _ = run(capsys, str(path), "--against-store", "--store", str(store_dir))
    assert code == 0, out
    code, out, _ = run(capsys, str(path), "--store", str(store_dir))
    assert code == 1  # without the store the directorate and the source are unknown
    assert "is not defined anywhere" in out


def test_locate_subjects_in_turtle_and_ntriples(tmp_path: Path) -> None:
    ttl = write(tmp_path, "a.ttl", PREFIXES + SOURCE + body("test-body", "Test body"))
    found = locate_subjects(ttl)
    assert found[f"{ID}source/test-source"] == 10
    assert found[f"{ID}org/test-body"] == 16
    nt = write(tmp_path, "a.nt", f'<{ID}org/a> <http://x/p> "1" .\n\n'
                                 f'<{ID}org/b> <http://x/p> <{ID}org/a> .\n')
    assert locate_subjects(nt) == {f"{ID}org/a": 1, f"{ID}org/b": 3}


# -- the library call behind the command ------------------------------------------------

def test_validate_takes_a_store_quads_or_a_path_alike(tmp_path: Path) -> None:
    import pyoxigraph as ox

    from graphkit.validation import validate

    bad = body("test-body", "Test body", "\n    rdfs:label \"Second label\"@en ;")
    path = write(tmp_path, "bad.ttl", PREFIXES + SOURCE + bad)
    quads = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    store = ox.Store()
    store.extend(quads)
    by_path = validate(path, engine="pyshacl")
    assert not by_path.conforms
    keys = by_path.keys()
    assert (f"{ID}org/test-body", str(rdflib.RDFS.label), str(SH.MaxCountConstraintComponent),
            str(SH.Violation)) in keys
    assert validate(quads, engine="pyshacl").keys() == by_path.keys()
    assert validate(store, engine="pyshacl").keys() == by_path.keys()


def test_context_resolves_references_without_reporting_on_itself(tmp_path: Path) -> None:
    import pyoxigraph as ox

    from graphkit.validation import validate

    context = write(tmp_path, "context.ttl", PREFIXES + SOURCE + body("parent", "Parent"))
    child = write(tmp_path, "child.ttl", PREFIXES + body(
        "child", "Child", f"\n    org:subOrganizationOf <{ID}org/parent> ;"))
    alone = validate(child, engine="pyshacl")
    assert any(f.value == f"<{ID}org/parent>" for f in alone.findings)
    joined = validate(child, context=context, engine="pyshacl")
    assert joined.conforms
    # the context's source document lacks a publication type (a warning) but is not reported
    assert {f.focus for f in joined.findings} <= {f"{ID}org/child"}
    store = ox.Store()
    store.extend(ox.parse(path=str(context), format=ox.RdfFormat.TURTLE))
    assert validate(child, context=store, engine="pyshacl").keys() == joined.keys()


def test_unknown_engine_is_a_usage_error() -> None:
    from graphkit.errors import UsageError
    from graphkit.validation import validate

    with pytest.raises(UsageError, match="unknown validation engine 'fast'"):
        validate([], engine="fast")


def test_suggestions_prefer_the_closest_spelling_then_the_label() -> None:
    from graphkit.validation.suggest import suggest

    known = {f"{ID}org/oecd-public-governance-committee": "OECD Public Governance Committee",
             f"{ID}org/oecd-public-governance-directorate": "OECD Public Governance Directorate",
             f"{ID}person/katju-holkeri": "Katju Holkeri"}
    assert suggest(f"{ID}org/oecd-public-governance-directorat", known) == [
        (f"{ID}org/oecd-public-governance-directorate", "OECD Public Governance Directorate")]
    # a slug made from the label in another word order still finds the entity
    assert suggest(f"{ID}person/holkeri-katju", known)[0][0] == f"{ID}person/katju-holkeri"
    assert suggest(f"{ID}org/something-else-entirely", known) == []


def test_findings_on_blank_nodes_show_under_their_entity(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = body("test-body", "Test body").replace('\n                               ogk:quote "It exists."@en', "")
    path = write(tmp_path, "blank.ttl", PREFIXES + SOURCE + text)
    code, out, _ = run(capsys, str(path))
    assert code == 1
    head = next(line for line in out.splitlines() if line.startswith("prov:qualifiedDerivation"))
    assert head.startswith("prov:qualifiedDerivation of Test body _:")
    assert head.endswith(f"(defined at {path}:16)")
    assert "VIOLATION: ogk:quote" in out


@pytest.mark.parametrize("path", [
    ("inverse", "http://x/p"),
    ("sequence", ["http://x/p", ("inverse", "http://x/q")]),
    ("alternative", ["http://x/p", "http://x/q"]),
    ("zeroOrMore", ("sequence", ["http://x/p", "http://x/q"])),
    ("inverse", ("sequence", ["http://x/p", "http://x/q"])),
    ("oneOrMore", "http://x/p"),
], ids=["inverse", "sequence", "alternative", "zero-or-more", "inverse-sequence", "one-or-more"])
def test_turtle_report_writes_complex_paths_as_shacl_paths(path: object) -> None:
    from graphkit.validation import Finding, Report, path_text
    from graphkit.validation.oracle import _path_value

    text = path_text(path)
    report = Report([Finding("http://x/s", text, str(SH.MinCountConstraintComponent),
                             str(SH.Violation), "http://x/shape", None, "fix it")])
    graph = rdflib.Graph().parse(data=report.to_turtle(), format="turtle")
    node = next(graph.objects(None, SH.resultPath))
    assert isinstance(node, rdflib.BNode)
    assert path_text(_path_value(graph, node)) == text


def test_default_engine_gives_the_same_verdict(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """Without --engine the command uses "auto" (the SPARQL engine when installed)."""
    good = write(tmp_path, "good.ttl", PREFIXES + SOURCE + body("test-body", "Test body"))
    bad = write(tmp_path, "bad.ttl", PREFIXES + SOURCE + body("Bad_Slug", "Bad body"))
    assert main(["validate", str(good)]) == 0
    capsys.readouterr()
    assert main(["validate", str(bad), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert {f["focus"] for f in data["findings"] if f["severity_label"] == "Violation"} == {
        f"{ID}org/Bad_Slug"}
