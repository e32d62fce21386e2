"""Hostile input: runs the property-based and schemathesis tests of
``tests/service/test_fuzz.py`` with more examples and reports the cases tried per surface.

Run: ``python -m bench.fuzz [--examples 100]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import PROJECT, table, write_section

TESTS = "tests/service/test_fuzz.py"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int,
                        default=int(os.environ.get("GRAPHKIT_FUZZ_EXAMPLES", "100")))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "counts.json"
        env = {**os.environ, "GRAPHKIT_FUZZ_EXAMPLES": str(args.examples),
               "GRAPHKIT_FUZZ_REPORT": str(report)}
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:warnings", "-p",
                   "no:cacheprovider", TESTS]
        started = time.perf_counter()
        done = subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, text=True,
                              check=False)
        elapsed = time.perf_counter() - started
        counts: dict[str, int] = json.loads(report.read_text()) if report.exists() else {}
    summary = [line for line in done.stdout.splitlines() if " passed" in line
               or " failed" in line]
    rows = [[surface, f"{count:,}"] for surface, count in sorted(counts.items())]
    rows.append(["**all**", f"**{sum(counts.values()):,}**"])
    verdict = ("no 5xx, no answer past the time limit, no write without the token"
               if done.returncode == 0 else f"FAILED (pytest exit {done.returncode})")
    body = (f"Requests sent to the app per surface by `{TESTS}` (hypothesis, "
            f"{args.examples} examples per property; schemathesis over every OpenAPI "
            f"operation, positive and negative cases), in {elapsed:.0f} s: **{verdict}**"
            f" ({summary[-1].strip() if summary else 'no summary'}).\n\n"
            + table(["surface", "cases"], rows))
    if done.returncode != 0:
        body += "\n\n```\n" + done.stdout[-3000:] + "\n```"
    write_section("85-hostile-input", "Hostile input: cases tried per surface",
                  f"python -m bench.fuzz --examples {args.examples}", body)


if __name__ == "__main__":
    main()
