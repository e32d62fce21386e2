"""The query mix of issue 5 (at least ten queries of the kinds it names) and how to ask a
SPARQL endpoint for one and count the rows of the answer, shared by every peer of
:mod:`bench.query_mix`.

Every query reads the default graph as the union of all graphs (as our service and
Virtuoso do; Oxigraph server runs with ``--union-default-graph``; pyoxigraph in-process with
``use_default_graph_as_union``; rdflib with ``Dataset(default_union=True)``).
"""

from __future__ import annotations

import http.client
import json
from typing import Self
from urllib.parse import urlencode, urlsplit

import httpx

JSON = "application/sparql-results+json"
NT = "application/n-triples"
P = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX schema: <https://schema.org/>
PREFIX ogk: <https://w3id.org/ogkg/ns#>
PREFIX id: <https://w3id.org/ogkg/id/>
"""
ORG = "<https://w3id.org/ogkg/id/org/synthetic-org-17>"
NET = "<https://w3id.org/ogkg/id/network/synthetic-network-7>"
FIN = "<https://w3id.org/ogkg/id/place/fin>"

#: name -> (kind of query, Accept, text)
MIX: dict[str, tuple[str, str, str]] = {
    "point lookup": ("point lookup", JSON, P + f"SELECT ?p ?o WHERE {{ {ORG} ?p ?o }}"),
    "ask": ("point lookup", JSON, P + f"ASK {{ {ORG} org:classification ?kind }}"),
    "label search": ("label search", JSON, P + """SELECT ?entity ?label WHERE {
  ?entity rdfs:label ?label FILTER(CONTAINS(LCASE(STR(?label)), "organisation 1234"))
} ORDER BY ?label"""),
    "network members": ("2-hop join", JSON, P + f"""SELECT ?member ?label ?country WHERE {{
  ?m org:organization {NET} ; org:member ?member .
  ?member rdfs:label ?label ; ogk:country ?country }}"""),
    "posts in Finland": ("2-hop join", JSON, P + f"""SELECT ?post ?person ?name WHERE {{
  ?post org:postIn ?o ; org:heldBy ?person . ?o ogk:country {FIN} .
  ?person rdfs:label ?name }}"""),
    "organisations per country": ("aggregate", JSON, P + """SELECT ?country (COUNT(?o) AS ?n)
WHERE { ?o a ogk:Organisation ; ogk:country ?country } GROUP BY ?country ORDER BY DESC(?n)"""),
    "memberships per role": ("aggregate", JSON, P + """SELECT ?role (COUNT(*) AS ?n)
WHERE { ?m a org:Membership ; org:role ?role } GROUP BY ?role"""),
    "oldest in Finland": ("OPTIONAL + ORDER BY", JSON, P + f"""SELECT ?o ?label ?founded WHERE {{
  ?o ogk:country {FIN} ; rdfs:label ?label . OPTIONAL {{ ?o schema:foundingDate ?founded }}
}} ORDER BY ?founded ?label LIMIT 50"""),
    "publications by date": ("OPTIONAL + ORDER BY", JSON, P + """SELECT ?pub ?issued ?creator
WHERE { ?pub a ogk:Publication . OPTIONAL { ?pub dcterms:issued ?issued }
  OPTIONAL { ?pub dcterms:creator ?creator } } ORDER BY DESC(?issued) ?pub LIMIT 100"""),
    "networks of an organisation": ("property path", JSON, P + f"""SELECT ?body ?label WHERE {{
  {ORG} ^org:member/org:organization ?body . ?body rdfs:label|skos:altLabel ?label }}"""),
    "agenda of hosted meetings": ("property path", JSON, P + """SELECT ?item WHERE {
  <https://w3id.org/ogkg/id/org/synthetic-org-10> ogk:hosts/^ogk:agendaItemOf ?item }"""),
    "describe with memberships": ("CONSTRUCT", NT, P + f"""CONSTRUCT {{ {ORG} ?p ?o . ?m ?mp ?mo }}
WHERE {{ {{ {ORG} ?p ?o }} UNION {{ ?m org:member {ORG} ; ?mp ?mo }} }}"""),
}
STREAM = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"


def ask(client: httpx.Client, url: str, accept: str, query: str) -> bytes:
    """One query as ``GET ?query=`` with ``Accept``; the body of a 2xx answer."""
    answer = client.get(url, params={"query": query}, headers={"Accept": accept})
    answer.raise_for_status()
    return answer.content


class KeepAlive:
    """The leanest Python client for the latency table: one keep-alive connection per server
    with the standard library's ``http.client`` (httpx, which the throughput runs use, costs
    about a millisecond of its own per request on this machine, which would hide what the
    servers themselves take). A connection the server closed while idle is opened again and
    the ``GET`` sent once more (it is safe to repeat)."""

    def __init__(self, timeout: float = 900) -> None:
        self._timeout = timeout
        self._connections: dict[tuple[str, int], http.client.HTTPConnection] = {}

    def ask(self, url: str, accept: str, query: str) -> bytes:
        """One query as ``GET ?query=`` with ``Accept``; the body of a 2xx answer, else
        ``httpx.HTTPStatusError`` (as :func:`ask` raises)."""
        parts = urlsplit(url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        target = f"{parts.path or '/'}?{urlencode({'query': query})}"
        for attempt in (1, 2):
            connection = self._connections.get((host, port))
            if connection is None:
                connection = http.client.HTTPConnection(host, port, timeout=self._timeout)
                self._connections[(host, port)] = connection
            try:
                connection.request("GET", target, headers={"Accept": accept})
                answer = connection.getresponse()
                body = answer.read()
            except (http.client.RemoteDisconnected, ConnectionError):
                connection.close()
                del self._connections[(host, port)]
                if attempt == 2:
                    raise
                continue
            if answer.will_close:
                connection.close()
                del self._connections[(host, port)]
            if not 200 <= answer.status < 300:
                request = httpx.Request("GET", url)
                raise httpx.HTTPStatusError(
                    f"{url} answered {answer.status}: {body[:200]!r}", request=request,
                    response=httpx.Response(answer.status, content=body, request=request))
            return body
        raise AssertionError("unreachable")  # the second attempt returns or raises

    def close(self) -> None:
        for connection in self._connections.values():
            connection.close()
        self._connections.clear()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def rows_in(body: bytes, accept: str) -> int:
    """Rows of a SPARQL JSON answer (1 for ASK), lines of an N-Triples one."""
    if accept == NT:
        return sum(1 for line in body.splitlines() if line.strip())
    data = json.loads(body)
    if "boolean" in data:
        return 1
    bindings = data["results"]["bindings"]
    if len(bindings) == 1 and [k.lower() for k in bindings[0]] == ["__ask_retval"]:
        return 1  # Virtuoso answers ASK as a one-row SELECT when JSON is asked for
    return len(bindings)
