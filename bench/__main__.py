"""``python -m bench`` (``make bench``): run every benchmark at its sizes within the time
budget and assemble RESULTS.md and the charts (see :mod:`bench.suite`; ``--quick`` checks
the plumbing in a few minutes, ``--help`` lists the options)."""

from __future__ import annotations

import sys

from bench.suite import main

#: Every benchmark module; bench.suite's plans say at which sizes and with which arguments
#: each runs (a module listed here but not there runs once, with its defaults).
SUITE = ["bench.load_export", "bench.linked_data", "bench.query_mix", "bench.validation",
         "bench.contributions", "bench.load_test", "bench.fuzz", "bench.analytics",
         "bench.request_overhead"]


if __name__ == "__main__":
    main(sys.argv[1:], suite=SUITE)
