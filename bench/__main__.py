"""``python -m bench`` (``make bench``): run every benchmark and assemble RESULTS.md."""

from __future__ import annotations

import importlib
import sys

from bench.common import assemble

#: Benchmark modules in the order they run; each writes its own section.
SUITE = ["bench.load_export", "bench.linked_data", "bench.query_mix", "bench.validation", "bench.contributions", "bench.load_test", "bench.fuzz",
         "bench.analytics"]


def main() -> None:
    only = sys.argv[1:]
    for name in SUITE:
        if only and name.rsplit(".", 1)[-1] not in only:
            continue
        print(f"== {name}", flush=True)
        importlib.import_module(name).main([])
    assemble()


if __name__ == "__main__":
    main()
