"""The contribution workflow end to end (issue 4, items 4–5): what handing in a
1,000-triple contribution costs against a store, step by step, side by side.

Variants, interleaved on the same store (which every run leaves as it found it):

- ``parse CSV``: the organisations CSV template mapped to RDF (:func:`import_csv`);
- ``store only``: the triples written into their own graph with the PROV record, no
  validation (:func:`store_contribution`) — the floor;
- ``validate + store``: :func:`graphkit.contributions.submit`, validation against the
  whole store as context, then the write;
- ``HTTP POST``: ``POST /api/contributions`` with the CSV body through the FastAPI app
  (parsing, validation, write, the answer).

Run: ``python -m bench.contributions [--orgs 4000] [--rows 80] [--repeat 5]``
"""

from __future__ import annotations

import argparse
import csv
import io
from collections.abc import Callable

from bench.common import (
    PROJECT,
    Timing,
    interleaved,
    synthetic_file,
    table,
    triples_in,
    write_section,
)
from graphkit.contributions import (
    list_contributions,
    meta_graph,
    store_contribution,
    submit,
)
from graphkit.formats import RdfFormat
from graphkit.importers.csv import import_csv
from graphkit.importers.csv_templates import TEMPLATES
from graphkit.stores import OxigraphStore

BASE = "https://w3id.org/ogkg/"
TOKEN = "bench-token"


def contribution_csv(rows: int) -> str:
    """``rows`` organisations, each with a parent, classification, theme, dates and a
    quote: about 12 triples a row."""
    template = TEMPLATES["organisations"]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=template.headers, lineterminator="\n")
    writer.writeheader()
    for n in range(rows):
        writer.writerow({
            "name": f"Benchmark Organisation {n}", "acronym": f"BO{n}",
            "classification": "civil-society-organisation", "founded": f"{1990 + n % 30}",
            "themes": "open-government", "description": f"Organisation number {n}.",
            "source": "https://example.org/benchmark", "source_title": "Benchmark list",
            "quote": f"Benchmark Organisation {n} was founded."})
    return out.getvalue()


def build_store(orgs: int) -> OxigraphStore:
    store = OxigraphStore()
    store.load(synthetic_file(orgs), format=RdfFormat.N_TRIPLES,
               graph=f"{BASE}graph/source/synthetic")
    for path in sorted((PROJECT / "ontology").rglob("*.ttl")):
        store.load(path, format=RdfFormat.TURTLE, graph=f"{BASE}graph/{path.stem}")
    return store


def reset(store: OxigraphStore) -> None:
    """Take every contribution and its record back out: each run starts alike."""
    for contribution in list_contributions(store, base_iri=BASE):
        store.remove_graph(contribution.graph)
    store.remove_graph(meta_graph(BASE))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.contributions")
    parser.add_argument("--orgs", type=int, default=4000)
    parser.add_argument("--rows", type=int, default=80)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    from fastapi.testclient import TestClient

    from graphkit.settings import Settings
    from service.app import create_app

    store = build_store(args.orgs)
    body = contribution_csv(args.rows)
    triples = import_csv(body, base_iri=BASE, template="organisations").triples
    summary: dict[str, int | bool] = {"conforms": True, "violations": 0}
    client = TestClient(create_app(Settings(store_path=None, write_token=TOKEN), store=store))
    headers = {"Content-Type": "text/csv; charset=utf-8", "Authorization": f"Bearer {TOKEN}"}

    def post() -> None:
        answer = client.post("/api/contributions", content=body, headers=headers)
        assert answer.status_code == 201, answer.text[:500]

    variants: dict[str, Callable[[], object]] = {
        "parse CSV": lambda: import_csv(body, base_iri=BASE, template="organisations"),
        "store only": lambda: store_contribution(store, triples, base_iri=BASE,
                                                 contributor="bench", summary=summary),
        "validate + store": lambda: submit(store, triples, base_iri=BASE,
                                           contributor="bench"),
        "HTTP POST": post,
    }
    with client:
        post()  # warm up: shapes parsed, app started
        reset(store)
        timings: dict[str, Timing] = interleaved(variants, repeat=args.repeat,
                                                 setup=lambda _name: reset(store))
    store_size = triples_in(synthetic_file(args.orgs))
    floor = timings["store only"].median
    rows = [[name, f"{t.median:.3f}", t.spread, f"{t.median / floor:.1f}×"]
            for name, t in timings.items()]
    body_md = (
        f"A contribution of {len(triples):,} triples ({args.rows} rows of the organisations "
        f"CSV template) handed in to an in-memory store of {store_size:,} synthetic triples "
        f"(`graphkit synth --orgs {args.orgs}`) plus the ontology and schemes; "
        f"{args.repeat} interleaved runs each, the store reset before every run.\n\n"
        + table(["variant", "median s", "min–max s", "vs store only"], rows)
        + "\n\nThe validation (with the whole store as context) dominates; the write "
        "itself, data and PROV record in one all-or-nothing step, is the floor.\n")
    command = (f"python -m bench.contributions --orgs {args.orgs} --rows {args.rows} "
               f"--repeat {args.repeat}")
    write_section("45-contributions", "Contribution workflow (issue 4)", command, body_md)
    print(body_md)


if __name__ == "__main__":
    main()
