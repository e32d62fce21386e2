"""Hostile input against the app: property-based (hypothesis) and a schemathesis run of the
OpenAPI surface. The properties: no 5xx, no answer later than the time limit allows, no
write without the write token, nothing half-written when a write is refused.

``GRAPHKIT_FUZZ_EXAMPLES`` sets the examples per property (default 25; ``bench/fuzz.py``
runs more); ``GRAPHKIT_FUZZ_REPORT=FILE`` writes the number of cases per surface there.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import httpx
import pyoxigraph as ox
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode

from graphkit.formats import RdfFormat
from graphkit.settings import Settings
from graphkit.stores import OxigraphStore
from service.app import create_app
from service.guards import JSON_LIMIT, SPARQL_LIMIT
from tests.support import value

if TYPE_CHECKING:
    from schemathesis.core.result import Ok

TOKEN = "fuzz-token"
TIMEOUT = 2.0
SLACK = 8.0  # a busy machine: the answer may come this long after the time limit
MAX_BODY = 4_000_000
MAX_QUERY = 20_000
DATA = Path(__file__).parent.parent / "data" / "small.ttl"
GRAPH = "https://w3id.org/ogkg/graph/contribution/fuzz"
EXAMPLES = int(os.environ.get("GRAPHKIT_FUZZ_EXAMPLES", "25"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=False,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                       HealthCheck.data_too_large])


class Fuzz:
    """One app over an in-memory store, with the checks every hostile request must pass."""

    def __init__(self) -> None:
        self.store = OxigraphStore()
        self.store.load(DATA, format=RdfFormat.TURTLE,
                        graph="https://w3id.org/ogkg/graph/source/test")
        self.app = create_app(Settings(store_path=None, write_token=TOKEN,
                                       query_timeout=TIMEOUT, max_body_bytes=MAX_BODY,
                                       max_query_length=MAX_QUERY), store=self.store)
        self.client = TestClient(self.app, raise_server_exceptions=False)
        self.counts: dict[str, int] = {}

    def size(self) -> int:
        return len(self.store.raw)

    def request(self, surface: str, method: str, url: str, **options: Any) -> httpx.Response:
        """Send one request; check no 5xx and no hang; count it under ``surface``."""
        self.counts[surface] = self.counts.get(surface, 0) + 1
        started = time.monotonic()
        response: httpx.Response = self.client.request(method, url, **options)
        elapsed = time.monotonic() - started
        # a query stopped at the time limit is 503 + Retry-After by design; nothing else
        timed_out = response.status_code == 503 and "retry-after" in response.headers
        assert response.status_code < 500 or timed_out, (method, url, response.status_code,
                                                          response.text[:500])
        assert elapsed < TIMEOUT + SLACK, f"{method} {url} took {elapsed:.1f} s"
        assert "Traceback" not in response.text
        return response

    def read_only(self, surface: str, method: str, url: str,
                  **options: Any) -> httpx.Response:
        """A request that must not change the store."""
        before = self.size()
        response = self.request(surface, method, url, **options)
        assert self.size() == before, f"{method} {url} changed the store without the token"
        return response


@pytest.fixture(scope="module")
def fuzz() -> Iterator[Fuzz]:
    fuzzing = Fuzz()
    with fuzzing.client:
        yield fuzzing
    report = os.environ.get("GRAPHKIT_FUZZ_REPORT")
    if report:
        path = Path(report)
        counts = json.loads(path.read_text()) if path.exists() else {}
        for surface, count in fuzzing.counts.items():
            counts[surface] = counts.get(surface, 0) + count
        path.write_text(json.dumps(counts, indent=2, sort_keys=True))


# -- SPARQL -------------------------------------------------------------------------------
TOKENS = ["SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "{", "}", "(", ")", "[", "]",
          "?s", "?p", "?o", "*", ".", ";", ",", "a", "<http://ex/a>", "<", ">", '"x"', "'y'",
          '"""z"""', "1", "-2.5e3", "FILTER", "OPTIONAL", "UNION", "MINUS", "GRAPH", "SERVICE",
          "BIND", "AS", "VALUES", "UNDEF", "LIMIT", "OFFSET", "ORDER BY", "GROUP BY", "COUNT",
          "REGEX", "PREFIX", "BASE", "ex:", "_:b", "<<", ">>", "#", "\n", "\\", "\u0000",
          "\ud7ff", "é", "😀", "INSERT DATA", "DELETE", "DROP ALL", "CLEAR", "LOAD", "FROM",
          "FROM NAMED", "&&", "||", "!", "=", "!=", "^^", "@en", "%", "$x"]

sparql_noise = st.lists(st.sampled_from(TOKENS), max_size=60).map(" ".join)
any_text = st.text(max_size=400)


@FUZZ
@given(query=st.one_of(sparql_noise, any_text))
def test_any_query_text_gets_an_answer_and_writes_nothing(fuzz: Fuzz, query: str) -> None:
    fuzz.read_only("sparql GET", "GET", "/sparql", params={"query": query})
    fuzz.read_only("sparql form POST", "POST", "/sparql", data={"query": query})
    fuzz.read_only("sparql direct POST", "POST", "/sparql", content=query.encode(
        "utf-8", "surrogatepass"), headers={"Content-Type": "application/sparql-query"})


@FUZZ
@given(update=st.one_of(sparql_noise, st.just(f"INSERT DATA {{ GRAPH <{GRAPH}> "
                                              "{ <http://ex/a> <http://ex/b> 1 } }")),
       token=st.sampled_from([None, "wrong", TOKEN + "x", TOKEN[:-1], "", TOKEN.upper()]))
def test_no_update_without_the_token(fuzz: Fuzz, update: str, token: str | None) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    answer = fuzz.read_only("sparql update without token", "POST", "/sparql",
                            data={"update": update}, headers=headers)
    assert answer.status_code in (400, 401, 403), answer.text


# -- RDF bodies in every format -----------------------------------------------------------
def _valid(format: RdfFormat) -> bytes:
    quads = ox.parse(DATA.read_bytes(), format=ox.RdfFormat.TURTLE)
    if format.supports_datasets:
        return ox.serialize([ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(GRAPH))
                             for q in quads], format=format.oxigraph) or b""
    return ox.serialize([q.triple for q in quads], format=format.oxigraph) or b""


@st.composite
def rdf_bodies(draw: st.DrawFn) -> tuple[RdfFormat, bytes]:
    format = draw(st.sampled_from(list(RdfFormat)))
    body = bytearray(_valid(format))
    for _ in range(draw(st.integers(0, 4))):  # mutate the valid document a little
        at = draw(st.integers(0, max(0, len(body) - 1)))
        if draw(st.booleans()):
            body[at:at] = draw(st.binary(min_size=1, max_size=8))
        else:
            del body[at:at + draw(st.integers(1, 16))]
    if draw(st.integers(0, 9)) == 0:
        body = bytearray(draw(st.binary(max_size=300)))
    return format, bytes(body)


@FUZZ
@given(case=rdf_bodies())
def test_rdf_bodies_are_stored_whole_or_not_at_all(fuzz: Fuzz,
                                                   case: tuple[RdfFormat, bytes]) -> None:
    format, body = case
    before = fuzz.store.query(f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}")
    count = int(value(next(before.rows())["n"]))
    answer = fuzz.request(f"PUT /store ({format.value})", "PUT", "/store",
                          params={"graph": GRAPH}, content=body,
                          headers={"Content-Type": format.media_type,
                                   "Authorization": f"Bearer {TOKEN}"})
    after = fuzz.store.query(f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}")
    now = int(value(next(after.rows())["n"]))
    if answer.status_code >= 400:
        assert now == count, f"a refused {format.value} PUT changed the graph"
    else:
        # relative IRIs resolve against a base on the server; any base counts the same
        assert now == len(set(ox.parse(body, format=format.oxigraph, base_iri=GRAPH)))
    fuzz.read_only(f"POST /api/validate ({format.value})", "POST", "/api/validate",
                   content=body, headers={"Content-Type": format.media_type})


# -- odd encodings, deep nesting, huge inputs ---------------------------------------------
ODD = [
    ("utf-16 with BOM", "SELECT * { ?s ?p 'é' }".encode("utf-16"), "utf-16"),
    ("utf-8 BOM", b"\xef\xbb\xbfASK { ?s ?p ?o }", "utf-8"),
    ("latin-1 declared utf-8", "ASK { ?s ?p 'caf\xe9' }".encode("latin-1"), "utf-8"),
    ("invalid utf-8", b"ASK { ?s ?p '\xff\xfe\xfd' }", None),
    ("overlong utf-8", b"ASK { ?s ?p '\xc0\xaf' }", None),
    ("NUL bytes", b"ASK\x00 { ?s ?p ?o }\x00", None),
    ("lone surrogate", b"ASK { ?s ?p '\xed\xa0\x80' }", None),
    ("unknown charset", b"ASK { ?s ?p ?o }", "klingon"),
    ("empty", b"", None),
]


@pytest.mark.parametrize(("name", "body", "charset"), ODD, ids=[o[0] for o in ODD])
def test_odd_encodings(fuzz: Fuzz, name: str, body: bytes, charset: str | None) -> None:
    suffix = f"; charset={charset}" if charset else ""
    fuzz.read_only("odd encodings", "POST", "/sparql", content=body,
                   headers={"Content-Type": "application/sparql-query" + suffix})
    fuzz.read_only("odd encodings", "POST", "/api/validate", content=body,
                   headers={"Content-Type": "text/turtle" + suffix})
    answer = fuzz.request("odd encodings", "PUT", "/store", params={"graph": GRAPH + "/odd"},
                          content=body, headers={"Content-Type": "text/turtle" + suffix,
                                                 "Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code in (201, 204, 400, 415), answer.text


def _deep(depth: int, xml_depth: int) -> list[tuple[str, str, str, dict[str, Any]]]:
    json_ld = ('{"@id": "http://ex/a", "http://ex/p": ' + '{"http://ex/p": ' * depth + "1"
               + "}" * depth + "}")
    xml = ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
           'xmlns:e="http://ex/"><rdf:Description rdf:about="http://ex/a">'
           + "<e:p><rdf:Description>" * xml_depth + "</rdf:Description></e:p>" * xml_depth
           + "</rdf:Description></rdf:RDF>")
    braces = "SELECT * WHERE " + "{ " * depth + "}" * depth
    parens = "ASK { FILTER(" + "(" * depth + "1" + ")" * depth + ") }"
    star = "SELECT * { " + "<< " * depth + "?s ?p ?o" + " >> ?p ?o" * depth + " }"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    return [
        ("GET", "/sparql", "braces", {"params": {"query": braces}}),
        ("GET", "/sparql", "parentheses", {"params": {"query": parens}}),
        ("POST", "/sparql", "quoted triples", {"data": {"query": star}}),
        ("POST", "/sparql", "braces", {"content": braces, "headers": {
            "Content-Type": "application/sparql-query"}}),
        ("POST", "/sparql", "update", {"data": {"update": "INSERT DATA " + braces}}),
        ("POST", "/api/validate", "JSON-LD", {"content": json_ld, "headers": {
            "Content-Type": "application/ld+json"}}),
        ("PUT", f"/store?graph={GRAPH}/deep", "JSON-LD", {"content": json_ld, "headers": {
            "Content-Type": "application/ld+json", **auth}}),
        ("POST", "/api/contributions", "JSON-LD", {"content": json_ld, "headers": {
            "Content-Type": "application/ld+json", **auth}}),
        ("PUT", f"/store?graph={GRAPH}/deep", "RDF/XML", {"content": xml, "headers": {
            "Content-Type": "application/rdf+xml", **auth}}),
    ]


@pytest.mark.parametrize("index", range(len(_deep(1, 1))))
def test_input_nested_deep_enough_to_crash_a_parser_is_refused(fuzz: Fuzz, index: int
                                                               ) -> None:
    """Each of these killed the process (SIGSEGV, a stack overflow in pyoxigraph) before
    :mod:`service.guards`; now a 400, and the service lives on."""
    method, url, what, options = _deep(8_000, 60_000)[index]  # crashed at 4,000 and 50,000
    answer = fuzz.read_only("deep nesting", method, url, **options)
    assert answer.status_code == 400 and "levels deep" in answer.text, (what, answer.text)
    shallow = _deep(10, 10)[index]
    assert "levels deep" not in fuzz.request("deep nesting", shallow[0], shallow[1],
                                             **shallow[3]).text
    assert fuzz.client.get("/health").status_code == 200


def test_the_guard_limits_are_below_the_crash() -> None:
    assert SPARQL_LIMIT < 2000 and JSON_LIMIT < 3000


def test_huge_inputs_are_refused_with_413_or_414(fuzz: Fuzz) -> None:
    long_query = "ASK { " + "?s ?p ?o . " * (MAX_QUERY // 10) + "}"
    assert fuzz.read_only("huge", "GET", "/sparql",
                          params={"query": long_query}).status_code in (400, 413, 414)
    assert fuzz.read_only("huge", "POST", "/sparql", content=long_query, headers={
        "Content-Type": "application/sparql-query"}).status_code in (400, 413)
    body = b"<http://ex/a> <http://ex/b> <http://ex/c> .\n" * (MAX_BODY // 40)
    assert fuzz.read_only("huge", "POST", "/api/validate", content=body, headers={
        "Content-Type": "application/n-triples"}).status_code == 413
    answer = fuzz.request("huge", "PUT", "/store", params={"graph": GRAPH + "/huge"},
                          content=body, headers={"Content-Type": "application/n-triples",
                                                 "Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 413
    assert not fuzz.store.raw.contains_named_graph(ox.NamedNode(GRAPH + "/huge"))


def test_a_runaway_query_is_stopped_at_the_time_limit(fuzz: Fuzz) -> None:
    values = " ".join(str(i) for i in range(200))  # 200^4 rows whatever the store holds
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(
        f"VALUES ?{v} {{ {values} }}" for v in "abcd") + " }"
    assert fuzz.read_only("time limit", "GET", "/sparql",
                          params={"query": runaway}).status_code == 503


# -- paths --------------------------------------------------------------------------------
TRICKS = ["/static/../pyproject.toml", "/static/..%2f..%2fpyproject.toml",
          "/static/%2e%2e/%2e%2e/pyproject.toml", "/static/....//....//etc/passwd",
          "/static/%252e%252e/pyproject.toml", "/static/vendor/../../../graphkit/settings.py",
          "/dumps/../pyproject.toml", "/dumps/..%2F..%2Fpyproject.toml",
          "/dumps/%2e%2e%2fpyproject.toml", "/dumps/ogkg.nt.gz%00.txt", "/dumps/.",
          "/dumps/..", "/dumps/%2Fetc%2Fpasswd", "/dumps/ogkg.ttl/..%2f..%2fsettings.py",
          "/contribute/templates/..%2f..%2fpyproject.csv", "/id/org/..%2f..%2f..%2fetc",
          "/id/../../etc/passwd", "/ns/..%2f..%2fpyproject.toml", "/scheme/%00/x",
          "/store/..%2f..%2fpyproject.toml", "//etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
          "/browse/" + "a" * 5000, "/static/" + "%c0%ae" * 10,
          # not Latin-1 once decoded: percent-encoded where a header carries the IRI
          "/id/org/" + "%ff%fe" * 50, "/id/org/%E6%97%A5%E6%9C%AC.ttl",
          "/scheme/" + "%ff%fe" * 50, "/scheme/x/" + "%ff%fe" * 50]


@pytest.mark.parametrize("path", TRICKS)
def test_path_tricks_reveal_nothing(fuzz: Fuzz, path: str) -> None:
    answer = fuzz.read_only("path tricks", "GET", path)
    assert answer.status_code in (200, 308, 400, 404, 405, 406, 414, 422), answer.status_code
    text = answer.content
    assert b"root:x:0:0" not in text and b"[project]" not in text
    assert b"class Settings(BaseSettings)" not in text


@pytest.mark.parametrize("path", ["/id/org/%E6%97%A5%E6%9C%AC", "/scheme/%E6%97%A5%E6%9C%AC",
                                  "/scheme/x/%E6%97%A5%E6%9C%AC"])
def test_iris_in_headers_are_percent_encoded(fuzz: Fuzz, path: str) -> None:
    """RFC 3987 section 3.1: an IRI that is not Latin-1 goes into a header as a URI."""
    answer = fuzz.read_only("path tricks", "GET", path, headers={"Accept": "text/turtle"})
    assert answer.status_code == 404
    assert f'<{path}.ttl>; rel="alternate"' in answer.headers["link"]


# -- every write route, without and with a wrong token ------------------------------------
def _write_operations(fuzz: Fuzz) -> list[tuple[str, str]]:
    spec = fuzz.client.get("/api/openapi.json").json()
    found = []
    for path, operations in spec["paths"].items():
        for method in operations:
            if method.upper() in ("PUT", "POST", "DELETE", "PATCH"):
                found.append((method.upper(), path))
    return found


READ_ONLY_POSTS = {("POST", "/sparql"), ("POST", "/api/validate")}  # queries, validation


@pytest.mark.parametrize("token", [None, "wrong-token", TOKEN.upper()])
def test_every_write_route_refuses_without_the_token(fuzz: Fuzz, token: str | None) -> None:
    operations = _write_operations(fuzz)
    assert ("PUT", "/store") in operations and ("POST", "/api/contributions") in operations
    headers = {"Content-Type": "text/turtle"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    body = f"<{GRAPH}/x> <http://ex/p> 1 .".encode()
    for method, path in operations:
        url = path.replace("{path}", "notes").replace("{contribution_id}", "20260101-deadbeef")
        url = url.replace("{", "").replace("}", "")
        if (method, path) in READ_ONLY_POSTS:
            answer = fuzz.read_only("writes without token", method, url,
                                    data={"update": f"INSERT DATA {{ GRAPH <{GRAPH}/x> "
                                                    "{ <http://ex/a> <http://ex/b> 1 } }"},
                                    headers={k: v for k, v in headers.items()
                                             if k != "Content-Type"})
            if path == "/sparql":
                assert answer.status_code in (401, 403), answer.text
            continue
        answer = fuzz.read_only("writes without token", method, url, content=body,
                                headers=headers)
        assert answer.status_code in (401, 403, 404, 405, 415), (method, url, answer.text)
        assert not 200 <= answer.status_code < 300


# -- the OpenAPI surface (schemathesis) ---------------------------------------------------
def _operations(fuzz: Fuzz) -> list[Any]:
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", fuzz.app)
    # the app's own schema parses: every result is an Ok (an Err has no .ok())
    return [cast("Ok[Any]", result).ok() for result in schema.get_all_operations()]


def _sweep(fuzz: Fuzz, mode: GenerationMode, examples: int) -> None:
    operations = _operations(fuzz)
    assert len(operations) > 20  # the surface is there
    failures: dict[str, str] = {}
    for operation in operations:
        try:
            _runner(fuzz, operation, mode, examples)()
        except Unsatisfiable:  # nothing to make invalid (no parameters, no body)
            continue
        except (AssertionError, UnicodeError, BaseExceptionGroup) as error:
            failures[operation.label] = f"{type(error).__name__}: {str(error)[:300]}"
    assert not failures, "\n".join(f"{k}: {v}" for k, v in failures.items())


def _runner(fuzz: Fuzz, operation: Any, mode: GenerationMode,
            examples: int) -> Callable[[], None]:
    surface = f"openapi {mode.value}"
    label = operation.label

    @settings(max_examples=examples, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def call(case: Any) -> None:
        before = fuzz.size()
        started = time.monotonic()
        fuzz.counts[surface] = fuzz.counts.get(surface, 0) + 1
        response = case.call()
        timed_out = response.status_code == 503 and "retry-after" in response.headers
        assert response.status_code < 500 or timed_out, (label, response.status_code,
                                                         response.text[:300])
        assert time.monotonic() - started < TIMEOUT + SLACK, label
        assert fuzz.size() == before, f"{label} wrote without the token"

    return call


def test_schemathesis_positive_cases(fuzz: Fuzz) -> None:
    _sweep(fuzz, GenerationMode.POSITIVE, max(2, EXAMPLES // 10))


@pytest.mark.slow
def test_schemathesis_negative_cases(fuzz: Fuzz) -> None:
    _sweep(fuzz, GenerationMode.NEGATIVE, max(2, EXAMPLES // 10))

