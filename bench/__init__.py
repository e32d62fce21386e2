"""Benchmarks: real runs, side by side in one run, written to bench/RESULTS.md."""
