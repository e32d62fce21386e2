"""Memory of a SPARQL server while it streams a result as long as the graph (issue 5:
"memory while streaming a 1 M-row result stays flat"), for :mod:`bench.query_mix`."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import httpx

from bench.common import table
from bench.mix import STREAM
from bench.peers import Server


@dataclass
class Stream:
    bytes: int = 0
    rows: int = 0
    first_byte: float = 0.0
    seconds: float = 0.0
    samples: list[tuple[float, int]] = field(default_factory=list)  # (bytes so far, rss)
    before: int = 0

    def rss_at(self, fraction: float) -> int:
        goal = self.bytes * fraction
        return next((rss for done, rss in self.samples if done >= goal), self.samples[-1][1])

    @property
    def peak(self) -> int:
        return max(rss for _, rss in self.samples)


def stream_memory(server: Server) -> Stream:
    """Stream the whole graph as SELECT rows (CSV: one line a row) and sample the server's
    memory every 0.1 s while the client reads and discards the chunks."""
    result = Stream(before=server.rss())
    done = threading.Event()
    received = [0]

    def sample() -> None:
        while not done.is_set():
            result.samples.append((received[0], server.rss()))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample)
    began = time.perf_counter()
    sampler.start()
    try:
        with httpx.stream("GET", server.url, params={"query": STREAM},
                          headers={"Accept": "text/csv"}, timeout=900) as answer:
            answer.raise_for_status()
            for chunk in answer.iter_raw(1 << 16):
                if not received[0]:
                    result.first_byte = time.perf_counter() - began
                received[0] += len(chunk)
                result.rows += chunk.count(b"\n")
    finally:
        done.set()
        sampler.join()
    result.samples.append((received[0], server.rss()))
    result.bytes = received[0]
    result.rows -= 1  # the header line
    result.seconds = time.perf_counter() - began
    return result


def mib(value: float) -> str:
    return f"{value / 2**20:,.0f}"


def memory_section(servers: dict[str, Server]) -> tuple[str, dict[str, dict[str, float]]]:
    """The table, and its figures (bytes, seconds) per server for the JSON."""
    rows, data = [], {}
    for key, server in servers.items():
        print(f"  streaming from {key}", flush=True)
        result = stream_memory(server)
        data[key] = {"rows": result.rows, "bytes": result.bytes,
                     "first_byte_s": result.first_byte, "seconds": result.seconds,
                     "rss_before": result.before, "rss_peak": result.peak,
                     "rss_at_50": result.rss_at(0.5), "rss_at_100": result.rss_at(1.0)}
        rows.append([server.name, f"{result.rows:,}", mib(result.bytes),
                     f"{result.first_byte:.2f}", f"{result.seconds:.1f}", mib(result.before),
                     mib(result.rss_at(0.1)), mib(result.rss_at(0.5)), mib(result.rss_at(1.0)),
                     mib(result.peak), mib(result.peak - result.before)])
    return ("\n**Memory while streaming** `" + STREAM + "` as CSV (server process plus its "
            "workers, resident MiB, sampled every 0.1 s; the client reads and drops the "
            "chunks):\n\n"
            + table(["server", "rows", "MiB sent", "first byte s", "total s", "before",
                     "at 10 %", "at 50 %", "at 100 %", "peak", "peak − before"], rows), data)
