"""What every benchmark shares: the machine, timing with medians and spreads, the data,
and the results file (one section per benchmark, assembled into bench/RESULTS.md)."""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

BENCH = Path(__file__).resolve().parent
PROJECT = BENCH.parent
WORK = BENCH / "work"
SECTIONS = BENCH / "results"
RESULTS = BENCH / "RESULTS.md"
CHARTS = BENCH / "charts"

#: Set by ``python -m bench`` for the modules it runs (read when a section is written):
#: the size tag of the run (``1M``: sections become ``NN-name@1M.md``) and another output
#: directory (``--quick`` writes ``results/``, ``RESULTS.md`` and ``charts/`` there).
SIZE_VARIABLE = "GRAPHKIT_BENCH_SIZE"
OUT_VARIABLE = "GRAPHKIT_BENCH_OUT"
TRIPLES_PER_ORG = 25  # `graphkit synth`: about 25 triples per organisation


@dataclass(frozen=True)
class Output:
    """Where sections, their data, RESULTS.md and the charts go."""

    sections: Path
    results: Path
    charts: Path


def output() -> Output:
    """bench/results, bench/RESULTS.md, bench/charts, or the same under ``$GRAPHKIT_BENCH_OUT``."""
    other = os.environ.get(OUT_VARIABLE, "")
    if not other:
        return Output(SECTIONS, RESULTS, CHARTS)
    root = Path(other)
    return Output(root / "results", root / "RESULTS.md", root / "charts")


def size_tag() -> str:
    """The size tag of this run (``1M``, ``5M``; ``""`` when not run per size)."""
    tag = os.environ.get(SIZE_VARIABLE, "")
    if tag and not all(c.isalnum() or c == "." for c in tag):
        raise ValueError(f"{SIZE_VARIABLE}={tag!r}: a size tag is letters and digits, e.g. 1M")
    return tag


def tag_for(orgs: int) -> str:
    """The size tag of ``graphkit synth --orgs N``: 40000 -> ``1M``, 200000 -> ``5M``,
    400 -> ``10k`` (triples, rounded)."""
    triples = orgs * TRIPLES_PER_ORG
    if triples >= 1_000_000:
        return f"{triples / 1e6:.3g}M"
    return f"{max(1, round(triples / 1e3))}k"


def tag_value(tag: str) -> float:
    """Triples a tag stands for, to order sizes: ``5M`` -> 5e6; unknown tags sort first."""
    units = {"k": 1e3, "M": 1e6, "G": 1e9}
    try:
        return float(tag[:-1]) * units[tag[-1]] if tag else 0.0
    except (KeyError, ValueError):
        return 0.0


def label(tag: str) -> str:
    """``1M`` -> ``≈1 M triples``."""
    return f"≈{tag[:-1]} {tag[-1]} triples" if tag_value(tag) else tag


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


def interleaved(variants: Mapping[str, Callable[[], object]], *, repeat: int,
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
    """The synthetic graph of ``orgs`` organisations, made once per version of
    graphkit/synth.py (its digest is in the name) and kept in bench/work/."""
    WORK.mkdir(parents=True, exist_ok=True)
    import hashlib

    version = hashlib.sha256((PROJECT / "graphkit" / "synth.py").read_bytes()).hexdigest()[:8]
    path = WORK / f"synth-{orgs}-{version}.{suffix}"
    if not path.exists():  # written aside and renamed: an interrupted run leaves no half file
        from graphkit.synth import write_synthetic

        partial = path.with_name(f"partial-{path.name}")
        write_synthetic(partial, orgs=orgs, seed=1)
        partial.replace(path)
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


def _stem(name: str, tag: str) -> str:
    return f"{name}@{tag}" if tag else name


def write_section(name: str, title: str, command: str, body: str, *,
                  sized: bool = True) -> None:
    """Write one benchmark's section; :func:`assemble` joins them into RESULTS.md.

    Under a size tag (``python -m bench`` sets it) the section is ``NN-name@TAG.md`` and its
    title says the size; an untagged section of the same name, left by an earlier run, goes.
    ``sized=False``: a section about all sizes (the charts, the suite's summary).
    """
    out, tag = output(), size_tag() if sized else ""
    out.sections.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    if tag:
        title = f"{title} — {label(tag)}"
        (out.sections / f"{name}.md").unlink(missing_ok=True)
        (out.sections / f"{name}.json").unlink(missing_ok=True)
    (out.sections / f"{_stem(name, tag)}.md").write_text(
        f"## {title}\n\nRun {stamp} on {machine()}.\n\nCommand: `{command}`\n\n{body.strip()}\n")
    assemble()


def write_data(name: str, data: dict[str, object]) -> Path:
    """The figures of a section as JSON beside it (``NN-name@TAG.json``), for the charts."""
    out, tag = output(), size_tag()
    out.sections.mkdir(parents=True, exist_ok=True)
    path = out.sections / f"{_stem(name, tag)}.json"
    record = _finite({"section": name, "size": tag, "written": datetime.now(UTC).isoformat(),
                      **data})
    temporary = path.with_suffix(".json.part")
    temporary.write_text(json.dumps(record, indent=1, allow_nan=False))
    temporary.replace(path)
    return path


def _finite(value: object) -> object:
    """``value`` with NaN and infinities as ``None`` (JSON has no such numbers)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def read_data(name: str) -> dict[str, dict[str, object]]:
    """Every size's JSON of section ``name``: ``{tag: data}``, smallest size first."""
    found: dict[str, dict[str, object]] = {}
    for path in output().sections.glob(f"{name}*.json"):
        stem = path.stem
        if stem != name and not stem.startswith(f"{name}@"):
            continue
        found[stem.partition("@")[2]] = json.loads(path.read_text())
    return dict(sorted(found.items(), key=lambda item: tag_value(item[0])))


def _order(path: Path) -> tuple[str, float]:
    name, _, tag = path.stem.partition("@")
    return name, tag_value(tag)


def assemble() -> None:
    out = output()
    parts = ["# Benchmark results\n",
             ("Every figure below was written by the benchmark code in `bench/` from a real "
              "run (`make bench`, or the command named in each section); none is typed by "
              "hand. Times are medians of interleaved repeats with their min–max spread; "
              "ratios compare variants measured side by side in the same run. How the suite "
              "runs: [bench/README.md](README.md).\n")]
    for section in sorted(out.sections.glob("*.md"), key=_order):
        parts.append(section.read_text())
    out.results.parent.mkdir(parents=True, exist_ok=True)
    out.results.write_text("\n".join(parts))


def run_cli(*args: str) -> None:
    subprocess.run([str(Path(sys.executable).parent / "graphkit"), *args], check=True,
                   stdout=subprocess.DEVNULL)


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
