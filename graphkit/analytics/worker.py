"""Betweenness in a second process: ``python -m graphkit.analytics.worker``.

:func:`graphkit.analytics.pipeline.run_pipeline` starts this module as a plain child
process (no :mod:`multiprocessing`: nothing of the parent, its threads, its store or its
``__main__`` is copied or re-imported) and talks to it over pipes:

* in: one JSON line ``{"vertices": n, "edges": m, "seed": s, "samples": k,
  "exact_limit": l}``, then ``2 m`` native ``int32`` (the edge list, flattened);
* out: ``n`` native ``float64`` (betweenness, networkx's normalisation), then one JSON
  line ``{"method": ..., "peak_mib": ...}`` (how it was computed; the child's own peak
  resident set, ``null`` where ``/proc`` does not say).

:func:`encode_request` and :func:`decode_answer` are the parent's side.
"""

from __future__ import annotations

import json
import sys
from array import array
from typing import BinaryIO

from graphkit.errors import GraphkitError

__all__ = ["WorkerError", "decode_answer", "encode_request", "main"]


class WorkerError(GraphkitError, RuntimeError):
    """The second process did not answer as it should."""


def encode_request(vertices: int, edges: list[tuple[int, int]], *, seed: int, samples: int,
                   exact_limit: int) -> bytes:
    header = json.dumps({"vertices": vertices, "edges": len(edges), "seed": seed,
                         "samples": samples, "exact_limit": exact_limit})
    flat = array("i", (end for edge in edges for end in edge))
    return header.encode() + b"\n" + flat.tobytes()


def decode_answer(data: bytes, vertices: int) -> tuple[list[float], str, float | None]:
    size = array("d").itemsize * vertices
    if len(data) < size or not data[size:].strip():
        raise WorkerError(f"the betweenness process answered {len(data)} bytes, expected "
                          f"{size} and a trailer")
    values = array("d")
    values.frombytes(data[:size])
    trailer = json.loads(data[size:].decode())
    peak = trailer.get("peak_mib")
    return values.tolist(), str(trailer["method"]), None if peak is None else float(peak)


def _peak_mib() -> float | None:
    """This process's peak resident set (``VmHWM``), in MiB."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _read(stream: BinaryIO, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = stream.read(left)
        if not chunk:
            raise WorkerError(f"the request ended {left} bytes early")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def main(stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> int:
    stdin = stdin or sys.stdin.buffer
    stdout = stdout or sys.stdout.buffer
    header = json.loads(stdin.readline())
    flat = array("i")
    flat.frombytes(_read(stdin, array("i").itemsize * 2 * int(header["edges"])))
    import igraph as ig

    from graphkit.analytics.betweenness import betweenness

    edges = list(zip(flat[0::2], flat[1::2], strict=True))
    graph = ig.Graph(n=int(header["vertices"]), edges=edges)
    values, method = betweenness(graph, samples=int(header["samples"]),
                                 seed=int(header["seed"]),
                                 exact_limit=int(header["exact_limit"]))
    stdout.write(array("d", values).tobytes())
    stdout.write(json.dumps({"method": method, "peak_mib": _peak_mib()}).encode() + b"\n")
    stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
