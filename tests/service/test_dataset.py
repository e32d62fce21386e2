"""The dataset describing itself (``/.well-known/void``, ``/catalog``) and its dumps
(``/dumps/``), over the curated graph: figures from the live store, validation against
``shapes/dcat.ttl``, checksums, conditional requests, regeneration after a change."""

from __future__ import annotations

import gzip
import hashlib
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import IO, cast

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from pyshacl import validate
from rdflib import Graph

from graphkit.dataset import DumpFormat, DumpSet
from graphkit.errors import StoreError
from graphkit.formats import RdfFormat
from graphkit.stores import OxigraphStore
from tests.service.curated import PROJECT
from tests.support import value

BASE = "https://w3id.org/ogkg/"
VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
SPDX = "http://spdx.org/rdf/terms#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DATASET = ox.NamedNode(f"{BASE}catalog#dataset")
NEW = f"<{BASE}id/org/brand-new> <http://www.w3.org/2000/01/rdf-schema#label> \"Brand new\"@en"


def graph_of(client: TestClient, path: str) -> ox.Store:
    answer = client.get(path, headers={"Accept": "application/n-triples"})
    assert answer.status_code == 200, answer.text
    graph = ox.Store()
    graph.load(answer.content, format=ox.RdfFormat.N_TRIPLES)
    return graph


def objects(graph: ox.Store, subject: ox.NamedNode | ox.BlankNode | ox.Literal, predicate: str
            ) -> list[ox.NamedNode | ox.BlankNode | ox.Literal]:
    assert not isinstance(subject, ox.Literal), subject  # the callers pass what one() found
    # the descriptions hold no RDF-star triple
    return [cast(ox.NamedNode | ox.BlankNode | ox.Literal, q.object)
            for q in graph.quads_for_pattern(subject, ox.NamedNode(predicate), None)]


def one(graph: ox.Store, subject: ox.NamedNode | ox.BlankNode | ox.Literal, predicate: str
        ) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    (found,) = objects(graph, subject, predicate)
    return found


def count(store: OxigraphStore, query: str) -> int:
    row = next(iter(store.query(query).rows()))
    return int(value(row["n"]))


# -- VoID -----------------------------------------------------------------------------------
def test_void_is_counted_from_the_live_store(client: TestClient, store: OxigraphStore) -> None:
    void = graph_of(client, "/.well-known/void")
    assert DATASET in {q.subject for q in void.quads_for_pattern(
        None, RDF_TYPE, ox.NamedNode(VOID + "Dataset"))}
    assert one(void, DATASET, DCT + "title").value == "OpenGov KG"
    assert one(void, DATASET, DCT + "license").value.startswith("https://creativecommons.org/")
    modified = one(void, DATASET, DCT + "modified")
    assert isinstance(modified, ox.Literal)
    assert modified.datatype.value.endswith("#dateTime")
    assert one(void, DATASET, VOID + "sparqlEndpoint").value == "http://testserver/sparql"
    dumps = {o.value for o in objects(void, DATASET, VOID + "dataDump")}
    assert dumps == {f"http://testserver/dumps/ogkg.{f.value}" for f in DumpFormat}
    assert one(void, DATASET, VOID + "uriSpace").value == f"{BASE}id/"
    examples = objects(void, DATASET, VOID + "exampleResource")
    assert examples and all(e.value.startswith(f"{BASE}id/") for e in examples)
    vocabularies = {o.value for o in objects(void, DATASET, VOID + "vocabulary")}
    assert {f"{BASE}ns#", "http://www.w3.org/ns/org#", "http://www.w3.org/ns/prov#"} <= vocabularies
    triples = count(store, "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o "
                           "WHERE { GRAPH ?g { ?s ?p ?o } } }")
    assert int(one(void, DATASET, VOID + "triples").value) == triples
    entities = count(store, f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s a ?c }} "
                            f"FILTER(STRSTARTS(STR(?s), \"{BASE}id/\")) }}")
    assert int(one(void, DATASET, VOID + "entities").value) == entities > 150


def test_void_partitions_and_linksets(client: TestClient, store: OxigraphStore) -> None:
    void = graph_of(client, "/.well-known/void.nt")
    organisations = count(store, f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g "
                                 f"{{ ?s a <{BASE}ns#Organisation> }} }}")
    partitions = {one(void, p, VOID + "class").value: int(one(void, p, VOID + "entities").value)
                  for p in objects(void, DATASET, VOID + "classPartition")}
    assert partitions[f"{BASE}ns#Organisation"] == organisations > 10
    properties = {one(void, p, VOID + "property").value: int(one(void, p, VOID + "triples").value)
                  for p in objects(void, DATASET, VOID + "propertyPartition")}
    labels = count(store, "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?o WHERE { "
                          "GRAPH ?g { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?o } } }")
    assert properties["http://www.w3.org/2000/01/rdf-schema#label"] == labels
    linksets = [s for s in objects(void, DATASET, VOID + "subset")
                if ox.NamedNode(VOID + "Linkset") in objects(void, s, RDF_TYPE.value)]
    assert linksets
    for linkset in linksets:
        assert isinstance(one(void, linkset, VOID + "linkPredicate"), ox.NamedNode)
        target = one(void, linkset, VOID + "objectsTarget")
        assert not one(void, target, VOID + "uriSpace").value.startswith(BASE)


def test_void_follows_the_store(client: TestClient, store: OxigraphStore) -> None:
    before = int(one(graph_of(client, "/.well-known/void"), DATASET, VOID + "triples").value)
    store.update(f"INSERT DATA {{ GRAPH <{BASE}graph/test> {{ {NEW} }} }}")
    after = int(one(graph_of(client, "/.well-known/void"), DATASET, VOID + "triples").value)
    assert after == before + 1


def test_void_and_catalog_negotiate(client: TestClient) -> None:
    for path in ("/.well-known/void", "/catalog"):
        assert client.get(path, headers={"Accept": "*/*"}).headers[
            "content-type"].startswith("text/turtle")
        json_ld = client.get(path, headers={"Accept": "application/ld+json"})
        assert json_ld.headers["content-type"] == "application/ld+json"
        assert "Accept" in json_ld.headers["vary"]
        assert client.get(f"{path}.rdf").headers["content-type"] == "application/rdf+xml"
        page = client.get(path, headers={"Accept": "text/html"})
        assert page.headers["content-type"].startswith("text/html")
        assert "dcat:" in page.text or "void:" in page.text
        assert client.get(path, headers={"Accept": "image/png"}).status_code == 406


# -- DCAT -----------------------------------------------------------------------------------
def test_catalog_lists_a_distribution_per_dump_with_checksums(client: TestClient) -> None:
    catalog = graph_of(client, "/catalog")
    catalogue = ox.NamedNode(f"{BASE}catalog")
    assert ox.NamedNode(DCAT + "Catalog") in objects(catalog, catalogue, RDF_TYPE.value)
    assert one(catalog, catalogue, DCAT + "dataset") == DATASET
    downloads = {}
    for node in objects(catalog, DATASET, DCAT + "distribution"):
        urls = objects(catalog, node, DCAT + "downloadURL")
        if not urls:
            continue
        checksum = one(catalog, node, SPDX + "checksum")
        assert one(catalog, checksum, SPDX + "algorithm").value.endswith("sha256")
        downloads[urls[0].value] = (one(catalog, node, DCAT + "mediaType").value,
                                    one(catalog, checksum, SPDX + "checksumValue").value,
                                    int(one(catalog, node, DCAT + "byteSize").value))
    assert len(downloads) == 4
    for url, (media, sha256, size) in downloads.items():
        body = client.get(url.removeprefix("http://testserver")).content
        assert hashlib.sha256(body).hexdigest() == sha256
        assert len(body) == size
        assert media.startswith("https://www.iana.org/assignments/media-types/")
    service = one(catalog, catalogue, DCAT + "service")
    assert one(catalog, service, DCAT + "endpointURL").value == "http://testserver/sparql"
    assert one(catalog, service, DCAT + "servesDataset") == DATASET


def shapes_graph() -> Graph:
    return Graph().parse(PROJECT / "shapes" / "dcat.ttl", format="turtle")


def conforms(data: bytes) -> tuple[bool, str]:
    graph = Graph().parse(data=data, format="nt")
    ok, _, text = validate(graph, shacl_graph=shapes_graph(), inference="none")
    return bool(ok), str(text)


@pytest.mark.parametrize("path", ["/catalog.nt", "/.well-known/void.nt"])
def test_descriptions_validate_against_the_dcat_shapes(client: TestClient, path: str) -> None:
    ok, report = conforms(client.get(path).content)
    assert ok, report


def test_the_shapes_catch_a_broken_description(client: TestClient) -> None:
    body = client.get("/catalog.nt").content.decode()
    broken = "\n".join(line for line in body.splitlines()
                       if f"<{DCT}license>" not in line and f"<{DCAT}accessURL>" not in line)
    ok, report = conforms(broken.encode())
    assert not ok
    assert "dcterms:license" in report and "accessURL" in report


# -- dumps ----------------------------------------------------------------------------------
def read_dump(body: bytes, format: DumpFormat) -> ox.Dataset:
    data = gzip.decompress(body) if format.gzipped else body
    return ox.Dataset(ox.parse(data, format=format.rdf_format.oxigraph))


@pytest.mark.parametrize("format", list(DumpFormat), ids=lambda f: f.value)
def test_each_dump_holds_the_whole_graph(client: TestClient, store: OxigraphStore,
                                         format: DumpFormat) -> None:
    answer = client.get(f"/dumps/ogkg.{format.value}")
    assert answer.status_code == 200
    sha256 = hashlib.sha256(answer.content).hexdigest()
    assert answer.headers["etag"] == f'"{sha256}"'
    assert "last-modified" in answer.headers
    listed = client.get(f"/dumps/ogkg.{format.value}.sha256").text
    assert listed == f"{sha256}  ogkg.{format.value}\n"
    dataset = read_dump(answer.content, format)
    triples = {q.triple for q in dataset}
    # no blank node, no RDF-star: ?s is an IRI, as ?p always is
    expected = {ox.Triple(cast(ox.NamedNode, r["s"]), cast(ox.NamedNode, r["p"]), r["o"])
                for r in store.query(
                    "SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } "
                    "FILTER(!isBlank(?s) && !isBlank(?o)) }").rows()}
    assert expected <= triples
    if format is DumpFormat.NQ_GZ:
        graphs = {q.graph_name.value for q in dataset if isinstance(q.graph_name, ox.NamedNode)}
        assert {f"{BASE}graph/ontology", f"{BASE}graph/schemes",
                f"{BASE}graph/source/open-parliament-e-network-page"} <= graphs


def test_dump_media_types(client: TestClient) -> None:
    assert client.get("/dumps/ogkg.nt.gz").headers["content-type"] == "application/gzip"
    assert client.get("/dumps/ogkg.ttl").headers["content-type"].startswith("text/turtle")
    assert client.get("/dumps/ogkg.jsonld").headers["content-type"] == "application/ld+json"


def test_conditional_requests_answer_304(client: TestClient) -> None:
    first = client.get("/dumps/ogkg.nt.gz")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    again = client.get("/dumps/ogkg.nt.gz", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert client.get("/dumps/ogkg.nt.gz", headers={"If-None-Match": '"other"'}
                      ).status_code == 200
    assert client.get("/dumps/ogkg.nt.gz", headers={"If-Modified-Since": modified}
                      ).status_code == 304
    old = format_datetime(datetime(2000, 1, 1, tzinfo=UTC), usegmt=True)
    assert client.get("/dumps/ogkg.nt.gz", headers={"If-Modified-Since": old}
                      ).status_code == 200


def test_dumps_are_regenerated_when_the_store_changes(client: TestClient,
                                                       store: OxigraphStore) -> None:
    before = client.get("/dumps/ogkg.nq.gz")
    store.update(f"INSERT DATA {{ GRAPH <{BASE}graph/test> {{ {NEW} }} }}")
    after = client.get("/dumps/ogkg.nq.gz", headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert after.headers["etag"] != before.headers["etag"]
    quads = set(read_dump(after.content, DumpFormat.NQ_GZ))
    assert ox.Quad(ox.NamedNode(f"{BASE}id/org/brand-new"),
                   ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                   ox.Literal("Brand new", language="en"),
                   ox.NamedNode(f"{BASE}graph/test")) in quads


def test_dump_listing_and_unknown_files(client: TestClient) -> None:
    page = client.get("/dumps/")
    assert page.status_code == 200
    for format in DumpFormat:
        assert f'href="/dumps/ogkg.{format.value}"' in page.text
        sha256 = hashlib.sha256(client.get(f"/dumps/ogkg.{format.value}").content).hexdigest()
        assert sha256 in page.text
    missing = client.get("/dumps/ogkg.csv")
    assert missing.status_code == 404
    assert "ogkg.nt.gz" in missing.text
    assert client.get("/dumps", follow_redirects=False).headers["location"] == "/dumps/"


class _FailingStore(OxigraphStore):
    """A store whose dumps break half-way, as a full disk or a lost connection would."""

    def dump(self, output: IO[bytes], *, format: RdfFormat, graph: str | None = None) -> None:
        output.write(b"<https://example.org/s> <https://example.org/p> ")
        raise StoreError("dump failed: the connection was lost")


def test_a_failed_dump_leaves_the_previous_file_whole(tmp_path: Path) -> None:
    good = OxigraphStore()
    good.update(f"INSERT DATA {{ {NEW} }}")
    DumpSet(good, tmp_path).write(DumpFormat.TURTLE, "t1")
    before = (tmp_path / "ogkg.ttl").read_bytes()
    with pytest.raises(StoreError):
        DumpSet(_FailingStore(), tmp_path).write(DumpFormat.TURTLE, "t2")
    assert (tmp_path / "ogkg.ttl").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ogkg.ttl"]


def test_dumps_stream_to_a_reader_while_the_file_is_written(tmp_path: Path) -> None:
    store = OxigraphStore()
    store.update(f"INSERT DATA {{ {NEW} }}")
    chunks: list[bytes] = []

    class Reader:
        def write(self, data: bytes) -> int:
            chunks.append(data)
            return len(data)

    dump = DumpSet(store, tmp_path).write(DumpFormat.NT_GZ, "t",
                                          also=cast("IO[bytes]", Reader()))
    assert b"".join(chunks) == dump.path.read_bytes()
    assert hashlib.sha256(b"".join(chunks)).hexdigest() == dump.sha256
