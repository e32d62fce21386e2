"""Linked-data publishing (issue 6): entity pages and dumps on the 1 M-triple synthetic graph.

- An entity page (``GET /id/<kind>/<slug>``, HTML) is served in under 50 ms at the median;
  the Turtle answer is measured beside it.
- A dump downloaded from ``/dumps/`` streams at least at half the speed of
  ``graphkit export`` (the library path the CLI runs, :func:`graphkit.cli._export_to`'s
  ``store.dump`` with the same format and gzip level) of the same store: measured for a
  dump written for the request (the store changed since the last one) and for one already
  on disk.

The store is in memory and holds the synthetic graph plus ``ontology/`` and its schemes
(labels and definitions of the terms a page shows). Requests go through the whole ASGI app
in process (Starlette's ``TestClient``), so the figures include routing, negotiation,
queries, templating and the response, but no network.

Run: ``python -m bench.linked_data [--orgs 40000] [--repeat 5] [--pages 40]``
"""

from __future__ import annotations

import argparse
import functools
import gc
import gzip
import logging
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import IO, cast

import pyoxigraph as ox
from fastapi.testclient import TestClient

from bench.common import (
    PROJECT,
    WORK,
    Timing,
    interleaved,
    synthetic_file,
    table,
    verdict,
    write_section,
)
from graphkit.dataset import DumpFormat
from graphkit.formats import RdfFormat
from graphkit.load import sync_project
from graphkit.settings import Settings
from graphkit.stores import OxigraphStore
from service.app import create_app

GRAPH = "https://w3id.org/ogkg/graph/bench"
BASE = "https://w3id.org/ogkg/"
#: Kinds of entity sampled for the page latency, with how many of each.
KINDS = ("org", "network", "person", "membership", "post", "event", "publication", "plan",
         "commitment", "agenda-item", "place", "source")


def sample(store: OxigraphStore, per_kind: int, seed: int = 7) -> dict[str, list[str]]:
    """Up to ``per_kind`` entity paths of each kind, chosen at random (fixed seed)."""
    chosen: dict[str, list[str]] = {}
    rng = random.Random(seed)
    for kind in KINDS:
        prefix = f"{BASE}id/{kind}/"
        rows = store.query(f"SELECT DISTINCT ?s WHERE {{ ?s a ?t FILTER(STRSTARTS(STR(?s), "
                           f"\"{prefix}\") && !CONTAINS(STR(?s), \"#\")) }} LIMIT 20000").rows()
        iris = sorted(cast(ox.NamedNode, row["s"]).value for row in rows)  # the filter keeps IRIs
        if iris:
            chosen[kind] = ["/" + i[len(BASE):] for i in rng.sample(iris, min(per_kind, len(iris)))]
    return chosen


def page_latency(client: TestClient, paths: dict[str, list[str]], repeat: int
                 ) -> dict[str, dict[str, list[float]]]:
    """Seconds per request, by representation and kind; HTML and Turtle interleaved."""
    found: dict[str, dict[str, list[float]]] = {"html": {}, "ttl": {}}
    for path in (p for group in paths.values() for p in group):  # warm-up: caches, JIT paths
        client.get(path, headers={"Accept": "text/html"})
    for _ in range(repeat):
        for kind, group in paths.items():
            for path in group:
                for name, accept in (("html", "text/html"), ("ttl", "text/turtle")):
                    start = time.perf_counter()
                    answer = client.get(path, headers={"Accept": accept})
                    took = time.perf_counter() - start
                    if answer.status_code != 200:
                        raise SystemExit(f"{path} ({accept}) answered {answer.status_code}")
                    found[name].setdefault(kind, []).append(took)
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orgs", type=int, default=40_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pages", type=int, default=10, help="entities sampled per kind")
    args = parser.parse_args(argv)
    logging.disable(logging.INFO)
    source = synthetic_file(args.orgs)
    settings = Settings(store_path=None, project_root=PROJECT)
    store = OxigraphStore()
    store.load(source, format=RdfFormat.N_TRIPLES, graph=GRAPH)
    sync_project(store, settings)
    triples = len(store.raw)

    # -- entity pages -----------------------------------------------------------------------
    client = TestClient(create_app(settings, store=store))
    paths = sample(store, args.pages)
    latency = page_latency(client, paths, args.repeat)
    rows = []
    for name in ("html", "ttl"):
        every = [s for seconds in latency[name].values() for s in seconds]
        median = statistics.median(every)
        target = (f"{'meets' if median < 0.050 else 'MISSES'} (< 50 ms)"
                  if name == "html" else "")
        rows.append([f"{'page (HTML)' if name == 'html' else 'Turtle'}, all kinds",
                     str(len(every)), f"{median * 1000:.1f}",
                     f"{sorted(every)[int(len(every) * 0.9)] * 1000:.1f}",
                     f"{max(every) * 1000:.1f}", target])
    for kind, seconds in latency["html"].items():
        rows.append([f"page (HTML), {kind}", str(len(seconds)),
                     f"{statistics.median(seconds) * 1000:.1f}",
                     f"{sorted(seconds)[int(len(seconds) * 0.9)] * 1000:.1f}",
                     f"{max(seconds) * 1000:.1f}", ""])
    pages_body = table(["what", "requests", "median ms", "p90 ms", "max ms", "target"], rows)

    # -- dumps ------------------------------------------------------------------------------
    scratch = Path(tempfile.mkdtemp(dir=WORK if WORK.exists() else None, prefix="dumps-"))
    out = scratch / "export.out"
    state: dict[str, TestClient] = {}

    def fresh(name: str) -> None:
        gc.collect()
        if "written for the request" in name:
            # a new app: its dump set has nothing yet, as after a change to the store
            state["client"] = TestClient(create_app(settings, store=store))

    dump_rows = []
    for format in DumpFormat:
        url = f"/dumps/ogkg.{format.value}"
        warm = TestClient(create_app(settings, store=store))
        warm.get(url)  # written once, then served from the file

        def export(format: DumpFormat = format) -> None:
            with open(out, "wb") as sink:
                if format.gzipped:
                    with gzip.GzipFile(fileobj=sink, mode="wb", compresslevel=6) as packed:
                        # GzipFile is a binary file in all but name (typeshed does not
                        # make it an IO[bytes])
                        store.dump(cast(IO[bytes], packed), format=format.rdf_format)
                else:
                    store.dump(sink, format=format.rdf_format)

        def download(client: TestClient | None = None, url: str = url) -> None:
            with (client or state["client"]).stream("GET", url) as answer, \
                    open(out, "wb") as sink:
                sink.writelines(answer.iter_bytes())

        timings: dict[str, Timing] = interleaved({
            "graphkit export (library)": export,
            "/dumps/, written for the request": download,
            "/dumps/, already on disk": functools.partial(download, warm),
        }, repeat=args.repeat, setup=fresh)
        base = timings["graphkit export (library)"].median
        for name, timing in timings.items():
            speed = base / timing.median
            dump_rows.append([f"`ogkg.{format.value}`", name, f"{timing.median:.2f}",
                              timing.spread, f"{triples / timing.median / 1e6:.2f}",
                              f"{speed:.2f}", "" if name.startswith("graphkit") else
                              verdict(speed, 0.5, at_most=False)])
    for path in scratch.iterdir():
        path.unlink()
    scratch.rmdir()
    dumps_body = table(["dump", "variant", "median s", "min–max s", "M triples/s",
                        "speed × export", "target"], dump_rows)

    body = (f"{triples:,} triples in memory (`graphkit synth --orgs {args.orgs}` plus "
            f"`ontology/`), requests through the ASGI app in process.\n\n"
            f"### Entity pages\n\n{sum(len(g) for g in paths.values())} entities "
            f"({args.pages} per kind, random, fixed seed), {args.repeat} rounds, HTML and "
            f"Turtle interleaved, after one warm-up round.\n\n{pages_body}\n\n"
            f"### Dumps\n\nEach download against `graphkit export` of the same format "
            f"(same gzip level) from the same store, {args.repeat} interleaved runs; "
            f"\"written for the request\" is the first download after the store changed "
            f"(the file is written, then sent), \"already on disk\" every later one.\n\n"
            f"{dumps_body}")
    write_section("60-linked-data", "Linked-data pages and dumps (issue 6)",
                  f"python -m bench.linked_data --orgs {args.orgs} --repeat {args.repeat} "
                  f"--pages {args.pages}", body)
    print(body)


if __name__ == "__main__":
    main()
