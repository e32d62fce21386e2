"""What every benchmark shares: the machine, timing with medians and spreads, the data,
and the results file (one section per benchmark, assembled into bench/RESULTS.md)."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

BENCH = Path(__file__).resolve().parent
PROJECT = BENCH.parent
WORK = BENCH / "work"
SECTIONS = BENCH / "results"
RESULTS = BENCH / "RESULTS.md"


@dataclass
class Timing:
    """Seconds of repeated runs of one variant."""

    name: str
    seconds: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def spread(self) -> str:
        return f"{min(self.seconds):.3f}–{max(self.seconds):.3f}"


def interleaved(variants: dict[str, Callable[[], object]], *, repeat: int,
                setup: Callable[[str], None] | None = None) -> dict[str, Timing]:
    """Run each variant ``repeat`` times, round-robin, so that noise hits all alike."""
    timings = {name: Timing(name, []) for name in variants}
    for _ in range(repeat):
        for name, run in variants.items():
            if setup is not None:
                setup(name)
            start = time.perf_counter()
            run()
            timings[name].seconds.append(time.perf_counter() - start)
    return timings


def synthetic_file(orgs: int, suffix: str = "nt") -> Path:
    """The synthetic graph of ``orgs`` organisations, made once and kept in bench/work/."""
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"synth-{orgs}.{suffix}"
    if not path.exists():
        from graphkit.synth import write_synthetic

        write_synthetic(path, orgs=orgs, seed=1)
    return path


def triples_in(path: Path) -> int:
    with open(path, "rb") as stream:
        return sum(1 for _ in stream)


def verdict(ratio: float, limit: float, *, at_most: bool = True) -> str:
    ok = ratio <= limit if at_most else ratio >= limit
    return f"{'meets' if ok else 'MISSES'} ({'≤' if at_most else '≥'} {limit}×)"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    versions = ", ".join(f"{p} {_version(p)}" for p in (
        "pyoxigraph", "rdflib", "oxrdflib", "pyshacl", "fastapi", "networkx"))
    return (f"{cpu}, {os.cpu_count()} cores{memory}; {platform.system()} "
            f"{platform.release()}; Python {platform.python_version()}; {versions}")


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "absent"


def write_section(name: str, title: str, command: str, body: str) -> None:
    """Write one benchmark's section; :func:`assemble` joins them into RESULTS.md."""
    SECTIONS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    (SECTIONS / f"{name}.md").write_text(
        f"## {title}\n\nRun {stamp} on {machine()}.\n\nCommand: `{command}`\n\n{body.strip()}\n")
    assemble()


def assemble() -> None:
    parts = ["# Benchmark results\n",
             "Every figure below was written by the benchmark code in `bench/` from a real "
             "run (`make bench`, or the command named in each section); none is typed by "
             "hand. Times are medians of interleaved repeats with their min–max spread; "
             "ratios compare variants measured side by side in the same run.\n"]
    for section in sorted(SECTIONS.glob("*.md")):
        parts.append(section.read_text())
    RESULTS.write_text("\n".join(parts))


def run_cli(*args: str) -> None:
    subprocess.run([str(Path(sys.executable).parent / "graphkit"), *args], check=True,
                   stdout=subprocess.DEVNULL)


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
