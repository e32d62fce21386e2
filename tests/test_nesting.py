"""Input nested deep enough to crash pyoxigraph's parsers, refused first (graphkit.nesting).

The measure runs here in process (it parses nothing); whatever hands text to a parser runs
in a subprocess, so that a regression that crashes (SIGSEGV) fails the test, not pytest.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from graphkit.errors import QuerySyntaxError, RdfSyntaxError
from graphkit.formats import RdfFormat
from graphkit.nesting import (
    SPARQL_LIMIT,
    XML_LIMIT,
    Nesting,
    check_query,
    check_rdf,
    nesting_depth,
    too_deep,
)

DEEP_QUERY = "SELECT * WHERE " + "{ " * 5_000 + "}" * 5_000  # crashed at 2,000–4,000
RUN_CLI = "import sys; from graphkit.cli import main; sys.exit(main(sys.argv[1:]))"

SAMPLES = [
    (Nesting.SPARQL, b"SELECT * {\n << << ?s ?p ?o >> ?q ?r >> ?p ( (1) ) [ ?p [ ?q 1 ] ]\n}"),
    (Nesting.JSON, b'{"@graph": [{"a": {"b": [1, [2, {"c": 3}]]}}]}\n'),
    (Nesting.XML, b'<?xml version="1.0"?>\n<!-- c --><r><a/><b x="1"><c></c></b></r>\n'),
]


@pytest.mark.parametrize(("kind", "text"), SAMPLES, ids=[s[0].value for s in SAMPLES])
def test_the_place_is_the_same_however_the_text_is_cut(kind: Nesting, text: bytes) -> None:
    depth = nesting_depth(text, kind)
    assert depth >= 3
    whole = too_deep([text], kind, limit=depth - 1)
    assert whole is not None and too_deep([text], kind, limit=depth) is None
    for size in range(1, 8):
        chunks = [text[i:i + size] for i in range(0, len(text), size)]
        assert too_deep(chunks, kind, limit=depth - 1) == whole, size
        assert too_deep(chunks, kind, limit=depth) is None, size


def test_the_place_is_line_and_column_of_the_opener_too_deep() -> None:
    text = "SELECT * WHERE {\n  " + "{ " * SPARQL_LIMIT + "}" * SPARQL_LIMIT + "\n}"
    with pytest.raises(QuerySyntaxError) as caught:
        check_query(text, file="deep.rq")
    error = caught.value
    # level 1 is the brace on line 1; level 257 is the 256th brace of line 2
    assert (error.file, error.line, error.column) == ("deep.rq", 2, 3 + 2 * 255)
    assert "more than 256 levels deep" in str(error)
    check_query(text.replace("{ ", "", 1).replace("}", "", 1))  # at the limit: fine


def test_rdf_is_read_as_a_stream_and_only_json_ld_and_rdf_xml_are_measured() -> None:
    xml = b"<r>\n" + b"<a>" * XML_LIMIT + b"</a>" * XML_LIMIT + b"</r>\n"
    with pytest.raises(RdfSyntaxError) as caught:
        check_rdf(io.BytesIO(xml), RdfFormat.RDF_XML, name="deep.rdf")
    assert (caught.value.file, caught.value.line, caught.value.column) == \
        ("deep.rdf", 2, 3 * (XML_LIMIT - 1) + 1)
    check_rdf(xml, RdfFormat.TURTLE, name="not measured.ttl")
    check_rdf(xml.replace(b"<a>", b"", 1).replace(b"</a>", b"", 1), RdfFormat.RDF_XML,
              name="at the limit.rdf")


def test_project_files_are_far_from_the_limits() -> None:
    project = Path(__file__).resolve().parent.parent
    for path in project.glob("sparql/*.rq"):
        check_query(path.read_text(encoding="utf-8"), file=str(path))


def _python(script: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", script, *map(str, args)],
                          capture_output=True, text=True, timeout=120, check=False)


def test_graphkit_query_refuses_a_deep_query_with_exit_2(tmp_path: Path) -> None:
    done = _python(RUN_CLI, "query", DEEP_QUERY, "--store", tmp_path / "store")
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert "graphkit query: error: 1:" in done.stderr and "levels deep" in done.stderr
    query_file = tmp_path / "deep.rq"
    query_file.write_text(DEEP_QUERY)
    done = _python(RUN_CLI, "query", query_file, "--store", tmp_path / "store")
    assert done.returncode == 2 and "levels deep" in done.stderr, done.stderr[-2000:]


@pytest.mark.parametrize("method", ["query", "update"])
def test_the_embedded_store_refuses_a_deep_query_or_update(method: str) -> None:
    text = DEEP_QUERY if method == "query" else (
        "INSERT { <http://ex/a> <http://ex/p> 1 } WHERE " + DEEP_QUERY[15:])
    script = ("import sys\nfrom graphkit.errors import QuerySyntaxError\n"
              "from graphkit.stores import OxigraphStore\n"
              f"try:\n    OxigraphStore().{method}(sys.argv[1])\n"
              "except QuerySyntaxError as error:\n    print(error.line, error.column)\n")
    done = _python(script, text)
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    assert done.stdout.split()[0] == "1"


DEEP_JSON_LD = ('{"@context": {"ex": "http://example.org/"}, "@id": "ex:a", "ex:p": '
                + '{"ex:q": ' * 6000 + "1" + "}" * 6000 + "}")


@pytest.mark.parametrize("command", [["validate"], ["import", "popolo"]])
def test_validate_and_import_refuse_deep_json_with_exit_2(tmp_path: Path,
                                                          command: list[str]) -> None:
    """Both used to die: ``validate`` by SIGSEGV in the JSON-LD parser, ``import popolo``
    with a RecursionError traceback from json.loads."""
    deep = tmp_path / "deep.jsonld"
    deep.write_text(DEEP_JSON_LD)
    done = _python(RUN_CLI, *command, deep)
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert "levels deep" in done.stderr and "Traceback" not in done.stderr
    assert f"{deep}" in done.stderr
    assert f"{deep}:1:" in done.stderr or "line 1, column" in done.stderr  # where it goes deep


@pytest.mark.parametrize("source", ["path", "gzip", "bytes", "stream", "pipe"])
def test_the_embedded_store_refuses_deep_json_ld_from_any_source(tmp_path: Path,
                                                                 source: str) -> None:
    """The library's own load refuses it too (it used to crash the process with SIGSEGV),
    whatever it is handed, and loads nothing; a shallow document still loads."""
    deep = tmp_path / "deep.jsonld"
    deep.write_text(DEEP_JSON_LD)
    script = (
        "import gzip, io, subprocess, sys\nfrom pathlib import Path\n"
        "from graphkit.errors import RdfSyntaxError\nfrom graphkit.formats import RdfFormat\n"
        "from graphkit.stores import OxigraphStore\n"
        "kind, path = sys.argv[1], Path(sys.argv[2])\n"
        "def source(path):\n"
        "    if kind == 'path': return path\n"
        "    if kind == 'gzip':\n"
        "        zipped = path.with_suffix('.jsonld.gz')\n"
        "        zipped.write_bytes(gzip.compress(path.read_bytes()))\n"
        "        return zipped\n"
        "    if kind == 'bytes': return path.read_bytes()\n"
        "    if kind == 'stream': return io.BytesIO(path.read_bytes())\n"
        "    return subprocess.Popen(['cat', str(path)], stdout=subprocess.PIPE).stdout\n"
        "store = OxigraphStore()\n"
        "try:\n"
        "    store.load(source(path), format=RdfFormat.JSON_LD, graph='http://example.org/g')\n"
        "except RdfSyntaxError as error:\n"
        "    print('refused', error.line, len(store.raw))\n"
        "shallow = path.with_name('shallow.jsonld')\n"
        "shallow.write_text('{\"@id\": \"http://example.org/a\", \"http://example.org/p\": 1}')\n"
        "store.load(source(shallow), format=RdfFormat.JSON_LD, graph='http://example.org/g')\n"
        "print('loaded', len(store.raw))\n")
    done = _python(script, source, deep)
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    assert done.stdout.split() == ["refused", "1", "0", "loaded", "1"], done.stdout


def test_the_remote_store_refuses_deep_json_ld_before_it_parses(tmp_path: Path) -> None:
    """RemoteStore parses a file locally before it sends it: the same refusal, and no
    request made (the endpoint here answers nothing)."""
    deep = tmp_path / "deep.jsonld"
    deep.write_text(DEEP_JSON_LD)
    script = (
        "import sys\nfrom pathlib import Path\n"
        "from graphkit.errors import RdfSyntaxError\nfrom graphkit.formats import RdfFormat\n"
        "from graphkit.stores.remote import RemoteStore\n"
        "store = RemoteStore('http://127.0.0.1:9/sparql', timeout=2)\n"
        "try:\n"
        "    store.load(Path(sys.argv[1]), format=RdfFormat.JSON_LD, graph='http://example.org/g')\n"
        "except RdfSyntaxError as error:\n"
        "    print('refused', error.file, error.line)\n")
    done = _python(script, deep)
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    assert done.stdout.split() == ["refused", str(deep), "1"], done.stdout
