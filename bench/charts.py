"""PNG charts from the benchmarks' JSON (never from typed numbers), linked from RESULTS.md.

From the query mix (``20-query-mix@TAG.json``, one per size):

- ``query-latency@TAG.png``: median latency by query, grouped bars per peer, log scale;
- ``query-latency-by-size.png``: latency against size for a few representative queries
  (one of each kind), a line per peer;
- ``throughput-by-concurrency.png``: queries/s against concurrent clients, a line per
  server, one panel per size;

and from the load test (``80-load-test*.json``): ``load-test.png``, reads/s and p50/p95/p99
latency against concurrent clients.

Run: ``python -m bench.charts`` (``python -m bench`` runs it at the end).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display

import matplotlib.pyplot as plt

from bench.common import label, output, read_data, write_section

QUERY_MIX = "20-query-mix"
LOAD_TEST = "80-load-test"
#: One colour per peer, the same in every chart.
COLOURS = {"ours": "#1b5e20", "ours-virtuoso": "#66bb6a", "oxigraph": "#1565c0",
           "virtuoso": "#8e24aa", "rdflib-endpoint": "#e65100", "pyoxigraph-disk": "#90a4ae",
           "pyoxigraph-memory": "#37474f", "rdflib": "#ffb300"}
DPI = 110


def _name(data: Mapping[str, Any], key: str) -> str:
    return str(data.get("peers", {}).get(key, {}).get("name", key))


def latency_by_query(tag: str, data: Mapping[str, Any], folder: Path) -> Path | None:
    latency: dict[str, dict[str, dict[str, float]]] = data.get("latency", {})
    queries = list(latency)
    peers = [k for k in data.get("order", []) if any(k in latency[q] for q in queries)]
    if not queries or not peers:
        return None
    figure, axes = plt.subplots(figsize=(max(10, len(queries) * 1.1), 5.5))
    width = 0.8 / len(peers)
    for index, key in enumerate(peers):
        xs = [q + (index - (len(peers) - 1) / 2) * width for q in range(len(queries))]
        ys = [latency[q][key]["median_s"] * 1000 if key in latency[q] else 0.0
              for q in queries]
        axes.bar(xs, ys, width, label=_name(data, key), color=COLOURS.get(key))
    axes.set_yscale("log")
    axes.set_ylabel("median latency, ms (log scale)")
    axes.set_xticks(range(len(queries)), queries, rotation=30, ha="right")
    axes.set_title(f"Latency by query, one client — {label(tag)} "
                   f"({int(data.get('triples', 0)):,} triples)")
    axes.legend(fontsize="small", ncols=2)
    axes.grid(axis="y", which="both", alpha=0.3)
    figure.tight_layout()
    return _save(figure, folder / f"query-latency@{tag}.png")


def latency_by_size(sizes: Mapping[str, Mapping[str, Any]], folder: Path) -> Path | None:
    """One panel per representative query (the first of each kind in the mix)."""
    if not sizes:
        return None
    first = next(iter(sizes.values()))
    kinds: dict[str, str] = {}
    for query, kind in first.get("kinds", {}).items():
        kinds.setdefault(kind, query)
    queries = list(kinds.values()) or list(first.get("latency", {}))[:6]
    if not queries:
        return None
    columns = min(3, len(queries))
    rows = -(-len(queries) // columns)
    figure, grid = plt.subplots(rows, columns, figsize=(5 * columns, 3.8 * rows),
                                squeeze=False)
    order: list[str] = []
    for data in sizes.values():
        order += [k for k in data.get("order", []) if k not in order]
    for panel, query in zip(grid.flat, queries, strict=False):
        for key in order:
            points = [(int(d["triples"]), d["latency"][query][key]["median_s"] * 1000)
                      for d in sizes.values()
                      if key in d.get("latency", {}).get(query, {})]
            if points:
                panel.plot([p[0] for p in points], [p[1] for p in points], marker="o",
                           label=_name(first if key in first.get("peers", {}) else
                                       next(d for d in sizes.values()
                                            if key in d.get("peers", {})), key),
                           color=COLOURS.get(key))
        panel.set_xscale("log")
        panel.set_yscale("log")
        panel.set_title(query, fontsize="medium")
        panel.set_xlabel("triples")
        panel.set_ylabel("median ms")
        panel.grid(which="both", alpha=0.3)
    for panel in list(grid.flat)[len(queries):]:
        panel.set_visible(False)
    handles, labels = grid.flat[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncols=4, fontsize="small")
    figure.suptitle("Latency by size, one client (" + ", ".join(label(t) for t in sizes) + ")")
    figure.tight_layout(rect=(0, 0.08, 1, 0.96))
    return _save(figure, folder / "query-latency-by-size.png")


def throughput_by_concurrency(sizes: Mapping[str, Mapping[str, Any]],
                              folder: Path) -> Path | None:
    measured = {t: d for t, d in sizes.items() if d.get("throughput")}
    if not measured:
        return None
    figure, grid = plt.subplots(1, len(measured), figsize=(6 * len(measured), 4.5),
                                squeeze=False)
    for panel, (tag, data) in zip(grid.flat, measured.items(), strict=True):
        levels = sorted(data["throughput"], key=int)
        for key in data.get("order", []):
            points = [(int(c), data["throughput"][c][key]["qps"]) for c in levels
                      if key in data["throughput"][c]]
            if points:
                panel.plot([p[0] for p in points], [p[1] for p in points], marker="o",
                           label=_name(data, key), color=COLOURS.get(key))
        panel.set_xscale("log", base=2)
        panel.set_xticks([int(c) for c in levels], levels)
        panel.set_yscale("log")
        panel.set_xlabel("concurrent clients")
        panel.set_ylabel("queries/s (log scale)")
        panel.set_title(f"Throughput of the mix — {label(tag)}")
        panel.grid(which="both", alpha=0.3)
        panel.legend(fontsize="small")
    figure.tight_layout()
    return _save(figure, folder / "throughput-by-concurrency.png")


def load_test(sizes: Mapping[str, Mapping[str, Any]], folder: Path) -> Path | None:
    runs = {t: d for t, d in sizes.items() if d.get("levels")}
    if not runs:
        return None
    figure, (rate, spread) = plt.subplots(1, 2, figsize=(11, 4.2))
    for tag, data in runs.items():
        levels = [level for level in data["levels"] if "p50_s" in level]
        clients = [int(level["clients"]) for level in levels]
        name = label(tag) or f"{int(data.get('triples', 0)):,} triples"
        rate.plot(clients, [level["reads_per_s"] for level in levels], marker="o",
                  label=name)
        for quantile, style in (("p50", ":"), ("p95", "--"), ("p99", "-")):
            spread.plot(clients, [level[f"{quantile}_s"] * 1000 for level in levels],
                        style, marker="o", label=f"{quantile}, {name}")
    ticks = sorted({int(level["clients"]) for d in runs.values() for level in d["levels"]})
    for panel in (rate, spread):
        panel.set_xscale("log", base=2)
        panel.set_xticks(ticks, [str(t) for t in ticks])
        panel.set_xlabel("concurrent clients")
        panel.grid(which="both", alpha=0.3)
        panel.legend(fontsize="small")
    rate.set_ylabel("reads/s")
    rate.set_title("Load test: throughput (writes running)")
    spread.set_yscale("log")
    spread.set_ylabel("latency, ms (log scale)")
    spread.set_title("Load test: latency percentiles")
    figure.tight_layout()
    return _save(figure, folder / "load-test.png")


def _save(figure: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"partial-{path.name}")
    figure.savefig(partial, dpi=DPI, format="png")
    plt.close(figure)
    partial.replace(path)
    return path


def render() -> list[Path]:
    """Every chart the JSON present allows, and the ``99-charts`` section linking them."""
    out = output()
    out.charts.mkdir(parents=True, exist_ok=True)
    for stale in out.charts.glob("*.png"):
        stale.unlink()
    mix = read_data(QUERY_MIX)
    made = [latency_by_query(tag, data, out.charts) for tag, data in mix.items()]
    made += [latency_by_size(mix, out.charts), throughput_by_concurrency(mix, out.charts),
             load_test(read_data(LOAD_TEST), out.charts)]
    charts = [path for path in made if path is not None]
    if charts:
        links = "\n\n".join(
            f"![{path.stem}]({path.relative_to(out.results.parent).as_posix()})"
            for path in charts)
        write_section("99-charts", "Charts", "python -m bench.charts",
                      "Drawn by `bench/charts.py` from the JSON each benchmark writes beside "
                      "its section (`bench/results/*.json`).\n\n" + links, sized=False)
    return charts


def main(argv: list[str] | None = None) -> None:
    argparse.ArgumentParser(description=__doc__).parse_args(argv)
    for path in render():
        print(path)


if __name__ == "__main__":
    main()
