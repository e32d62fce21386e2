"""Load and export against raw pyoxigraph (issue 2's targets).

- ``graphkit load`` into the in-memory store ≤ 1.2× raw ``Store().bulk_load`` of the file;
  into the on-disk store ≤ 1.2× raw on-disk ``bulk_load``.
- ``graphkit export --format nt`` of the graph ≤ 1.2× raw pyoxigraph ``dump``.

``--no-cli`` leaves out the two CLI-process rows (at ≈5 M triples, to save time: at ≈1 M
they show what starting a process adds); ``--no-memory`` the two loads into in-memory
stores (the suite at ≈5 M triples, where the on-disk store is what is served). The
figures also go to the section's JSON.

Run: ``python -m bench.load_export [--orgs 40000] [--repeat 5] [--no-cli] [--no-memory]``
"""

from __future__ import annotations

import argparse
import gc
import shutil
import tempfile
from pathlib import Path

import pyoxigraph as ox

from bench.common import (
    WORK,
    interleaved,
    run_cli,
    synthetic_file,
    table,
    triples_in,
    verdict,
    write_data,
    write_section,
)
from graphkit.formats import RdfFormat
from graphkit.stores import OxigraphStore

GRAPH = "https://w3id.org/ogkg/graph/bench"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orgs", type=int, default=40_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-cli", action="store_true",
                        help="leave out `graphkit load`/`export` as CLI processes")
    parser.add_argument("--no-memory", action="store_true",
                        help="leave out the two loads into in-memory stores")
    args = parser.parse_args(argv)
    source = synthetic_file(args.orgs)
    size = triples_in(source)
    scratch = Path(tempfile.mkdtemp(dir=WORK, prefix="load-"))
    try:
        disk = {"raw": scratch / "raw", "ours": scratch / "ours", "cli": scratch / "cli"}

        def fresh(name: str) -> None:
            gc.collect()
            for path in disk.values():
                shutil.rmtree(path, ignore_errors=True)

        def raw_memory() -> None:
            ox.Store().bulk_load(path=str(source), format=ox.RdfFormat.N_TRIPLES,
                                 to_graph=ox.NamedNode(GRAPH))

        def ours_memory() -> None:
            OxigraphStore().load(source, format=RdfFormat.N_TRIPLES, graph=GRAPH)

        def raw_disk() -> None:
            store = ox.Store(str(disk["raw"]))
            store.bulk_load(path=str(source), format=ox.RdfFormat.N_TRIPLES,
                            to_graph=ox.NamedNode(GRAPH))
            store.flush()
            del store

        def ours_disk() -> None:
            with OxigraphStore(disk["ours"]) as store:
                store.load(source, format=RdfFormat.N_TRIPLES, graph=GRAPH)

        def cli_disk() -> None:
            run_cli("load", str(source), "--graph", GRAPH, "--store", str(disk["cli"]))

        variants = {"raw pyoxigraph bulk_load, in memory": raw_memory,
                    "graphkit load, in memory": ours_memory,
                    "raw pyoxigraph bulk_load, on disk": raw_disk,
                    "graphkit load (library), on disk": ours_disk,
                    "`graphkit load` (CLI process), on disk": cli_disk}
        if args.no_cli:
            del variants["`graphkit load` (CLI process), on disk"]
        if args.no_memory:
            del variants["raw pyoxigraph bulk_load, in memory"], \
                variants["graphkit load, in memory"]
        loads = interleaved(variants, repeat=args.repeat, setup=fresh)

        # export: one on-disk store, raw dump against ours and the CLI
        export_store = scratch / "export-store"
        with OxigraphStore(export_store) as store:
            store.load(source, format=RdfFormat.N_TRIPLES, graph=GRAPH)
        out = scratch / "out.nt"

        def cli_dump() -> None:
            run_cli("export", "--format", "nt", "--out", str(out), "--store", str(export_store))

        with OxigraphStore(export_store) as ours:
            # the same open store: both read identical data; dropped after, so that the CLI
            # process below can open (lock) the store
            raw = {"store": ours.raw}

            def raw_dump() -> None:
                raw["store"].dump(str(out), ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(GRAPH))

            def ours_dump() -> None:
                with open(out, "wb") as sink:
                    ours.dump(sink, format=RdfFormat.N_TRIPLES)

            library = interleaved({"raw pyoxigraph dump": raw_dump,
                                   "graphkit export (library)": ours_dump}, repeat=args.repeat)
            raw.clear()
        cli = {} if args.no_cli else interleaved(
            {"`graphkit export --format nt` (CLI process)": cli_dump}, repeat=args.repeat)
        exports = {**library, **cli}
    finally:  # also when a run fails: no store left behind in bench/work/
        shutil.rmtree(scratch, ignore_errors=True)

    raw_mem = loads["raw pyoxigraph bulk_load, in memory"].median if not args.no_memory \
        else float("nan")
    raw_disk_t = loads["raw pyoxigraph bulk_load, on disk"].median
    raw_dump_t = exports["raw pyoxigraph dump"].median
    rows = []
    figures: dict[str, dict[str, object]] = {}
    for name, timing in loads.items():
        base = raw_mem if "in memory" in name else raw_disk_t
        ratio = timing.median / base
        target = "" if name.startswith("raw") else verdict(ratio, 1.2)
        rows.append([name, f"{timing.median:.2f}", timing.spread,
                     f"{size / timing.median / 1e6:.2f}", f"{ratio:.2f}", target])
    for name, timing in exports.items():
        ratio = timing.median / raw_dump_t
        target = "" if name.startswith("raw") else verdict(ratio, 1.2)
        rows.append([name, f"{timing.median:.2f}", timing.spread,
                     f"{size / timing.median / 1e6:.2f}", f"{ratio:.2f}", target])
    body = (f"{size:,} triples (`graphkit synth --orgs {args.orgs}`, N-Triples), "
            f"{args.repeat} interleaved runs each. The CLI rows include starting Python.\n\n"
            + table(["variant", "median s", "min–max s", "M triples/s", "× raw", "target"],
                    rows))
    command = (f"python -m bench.load_export --orgs {args.orgs} --repeat {args.repeat}"
               + (" --no-cli" if args.no_cli else "")
               + (" --no-memory" if args.no_memory else ""))
    for name, timing in {**loads, **exports}.items():
        figures[name] = {"median_s": timing.median, "min_s": min(timing.seconds),
                         "max_s": max(timing.seconds), "runs": len(timing.seconds)}
    write_data("10-load-export", {"orgs": args.orgs, "triples": size, "command": command,
                                  "variants": figures})
    write_section("10-load-export", "Load and export (issue 2)", command, body)
    print(body)


if __name__ == "__main__":
    main()
