"""The benchmark suite's plumbing, without running a benchmark: sections per size and their
order in RESULTS.md, the JSON beside them, the charts drawn from that JSON, and the suite's
budgets (a step past its budget is interrupted, one that does not fit is skipped)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bench import charts, common, suite


@pytest.fixture
def out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Results go to ``tmp_path`` (as ``python -m bench --quick`` sends them elsewhere)."""
    monkeypatch.setenv(common.OUT_VARIABLE, str(tmp_path))
    monkeypatch.delenv(common.SIZE_VARIABLE, raising=False)
    return tmp_path


def test_size_tags_follow_the_synthetic_sizes() -> None:
    assert [common.tag_for(o) for o in (40_000, 200_000, 200, 1000)] == \
        ["1M", "5M", "5k", "25k"]
    assert common.tag_value("5M") > common.tag_value("1M") > common.tag_value("25k")
    assert common.label("1M") == "≈1 M triples"


def test_sections_per_size_replace_the_untagged_one_and_assemble_in_order(
        out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    common.write_section("20-mix", "Mix", "cmd", "untagged body")
    assert (out / "results" / "20-mix.md").exists()
    for tag in ("5M", "1M"):
        monkeypatch.setenv(common.SIZE_VARIABLE, tag)
        common.write_section("20-mix", "Mix", f"cmd {tag}", f"body at {tag}")
    monkeypatch.delenv(common.SIZE_VARIABLE)
    common.write_section("10-load", "Load", "cmd", "load body")
    common.write_section("99-charts", "Charts", "cmd", "charts body", sized=False)
    assert not (out / "results" / "20-mix.md").exists()
    text = (out / "RESULTS.md").read_text()
    positions = [text.index(s) for s in ("load body", "body at 1M", "body at 5M",
                                         "charts body")]
    assert positions == sorted(positions)
    assert "## Mix — ≈1 M triples" in text and "## Mix — ≈5 M triples" in text
    assert "untagged body" not in text


def test_a_bad_size_tag_is_refused(out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(common.SIZE_VARIABLE, "../1M")
    with pytest.raises(ValueError, match="GRAPHKIT_BENCH_SIZE"):
        common.write_section("20-mix", "Mix", "cmd", "body")
    assert not (out / "results").exists() or not list((out / "results").iterdir())


def test_data_is_written_per_size_and_read_back_smallest_first(
        out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for tag, value in (("5M", math.nan), ("1M", 1.5)):
        monkeypatch.setenv(common.SIZE_VARIABLE, tag)
        common.write_data("20-mix", {"value": value, "nested": [{"x": value}]})
    found = common.read_data("20-mix")
    assert list(found) == ["1M", "5M"]
    assert found["1M"]["value"] == 1.5 and found["1M"]["size"] == "1M"
    assert found["5M"]["value"] is None and found["5M"]["nested"] == [{"x": None}]
    json.loads((out / "results" / "20-mix@5M.json").read_text())  # strict JSON


def _mix(triples: int, scale: float) -> dict[str, object]:
    """A query-mix record of the shape bench.query_mix writes (figures scaled by size)."""
    order = ["ours", "oxigraph", "pyoxigraph-disk"]
    queries = {"point lookup": "point lookup", "label search": "label search",
               "organisations per country": "aggregate"}
    return {
        "orgs": triples // 25, "triples": triples, "order": order, "kinds": queries,
        "peers": {k: {"name": f"peer {k}"} for k in order},
        "latency": {q: {k: {"median_s": 0.001 * (i + 1) * (j + 1) * scale}
                        for j, k in enumerate(order)} for i, q in enumerate(queries)},
        "throughput": {str(c): {k: {"qps": 10.0 * c / (j + 1) / scale}
                                for j, k in enumerate(order[:2])} for c in (1, 8, 32)},
    }


def test_charts_are_drawn_from_the_json_and_linked(out: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    for tag, triples, scale in (("1M", 1_000_000, 1.0), ("5M", 5_000_000, 5.0)):
        monkeypatch.setenv(common.SIZE_VARIABLE, tag)
        common.write_data(charts.QUERY_MIX, _mix(triples, scale))
    monkeypatch.setenv(common.SIZE_VARIABLE, "")
    common.write_data(charts.LOAD_TEST, {"triples": 100_000, "levels": [
        {"clients": c, "reads_per_s": 100.0 / c, "p50_s": 0.01 * c, "p95_s": 0.02 * c,
         "p99_s": 0.03 * c} for c in (8, 32, 64)]})
    made = charts.render()
    names = sorted(p.name for p in made)
    assert names == ["load-test.png", "query-latency-by-size.png", "query-latency@1M.png",
                     "query-latency@5M.png", "throughput-by-concurrency.png"]
    for path in made:
        assert path.parent == out / "charts"
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = (out / "RESULTS.md").read_text()
    for name in names:
        assert f"](charts/{name})" in text


def test_no_json_no_charts(out: Path) -> None:
    assert charts.render() == []
    assert not (out / "results" / "99-charts.md").exists()


def test_the_full_plan_runs_every_module_at_both_sizes_within_forty_minutes() -> None:
    plan = suite.full_plan()
    assert plan.sizes == {"1M": 40_000, "5M": 200_000}
    assert plan.budget == 40 * 60
    per_size = {s.short for s in plan.steps if s.size == "5M"}
    assert per_size == {"load_export", "query_mix", "validation", "analytics"}
    assert per_size <= {s.short for s in plan.steps if s.size == "1M"}
    assert {"load_test", "fuzz", "contributions", "linked_data"} <= \
        {s.short for s in plan.steps}


def test_a_step_past_its_budget_is_interrupted_and_one_that_does_not_fit_skipped(
        out: Path) -> None:
    forever = suite.Step("http.server", ["0", "--bind", "127.0.0.1"], budget=30)
    suite.run_step(forever, timeout=1.5, env={})
    assert forever.outcome.startswith("INTERRUPTED") and forever.elapsed < 1.5 + suite.GRACE
    missing = suite.Step("bench.no_such_module", [], budget=10)
    suite.run_step(missing, timeout=10, env={})
    assert missing.outcome == "skipped: the module is not there"
    plan = suite.Plan({}, [suite.Step("http.server", ["0"], budget=600)], budget=90)
    total = suite.run(plan, only=[], env={})
    assert plan.steps[0].outcome.startswith("skipped:") and total < 30
    assert "OVER budget" not in (out / "RESULTS.md").read_text()


def test_a_step_is_interrupted_in_order_even_when_the_suite_ignores_sigint(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Started by ``nohup`` or as a script's background job, the suite inherits SIGINT
    ignored; its steps must still stop at the interrupt, not wait for SIGKILL."""
    import signal

    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        forever = suite.Step("http.server", ["0", "--bind", "127.0.0.1"], budget=30)
        suite.run_step(forever, timeout=1.5, env={})
    finally:
        signal.signal(signal.SIGINT, previous)
    assert forever.outcome.startswith("INTERRUPTED")
    assert forever.elapsed < 1.5 + suite.GRACE / 3


def test_slow_peers_run_fewer_times_starting_from_the_agreement_run() -> None:
    from bench.query_mix import latencies

    calls = {"ours": 0, "rdflib": 0, "rdflib-endpoint": 0}

    def runner(key: str) -> Callable[[], object]:
        def run() -> object:
            calls[key] += 1
            return None
        return run

    seconds = latencies({key: runner(key) for key in calls}, repeat=5, slow_repeat=2,
                        slow_cap=10.0, first={"rdflib": 0.5, "rdflib-endpoint": 30.0})
    assert calls == {"ours": 5, "rdflib": 1, "rdflib-endpoint": 0}
    assert len(seconds["ours"]) == 5 and seconds["rdflib"][0] == 0.5
    assert seconds["rdflib-endpoint"] == [30.0]  # past the cap after the agreement run


@pytest.mark.parametrize(("body", "accept", "rows"), [
    (b'{"head": {}, "boolean": true}', "application/sparql-results+json", 1),
    ((b'{"head": {"vars": ["__ASK_RETVAL"]}, "results": {"bindings": '
      b'[{"__ASK_RETVAL": {"type": "literal", "value": "1"}}]}}'),
     "application/sparql-results+json", 1),  # Virtuoso's ASK
    (b'{"head": {"vars": ["s"]}, "results": {"bindings": [{}, {}, {}]}}',
     "application/sparql-results+json", 3),
    (b"<a:s> <a:p> <a:o> .\n<a:s> <a:p> <a:q> .\n\n", "application/n-triples", 2),
])
def test_rows_are_counted_alike_for_every_peer(body: bytes, accept: str, rows: int) -> None:
    from bench.mix import rows_in

    assert rows_in(body, accept) == rows


@pytest.mark.slow
@pytest.mark.parametrize(("module", "argv", "says"), [
    ("bench.validation", ["--large", "30", "--small", "10", "--repeat", "1"],
     "**Contribution of "),
    ("bench.validation", ["--large", "30", "--small", "10", "--repeat", "1",
                          "--no-contribution"],
     "The contribution was not measured in this run (`--no-contribution`)"),
    ("bench.load_export", ["--orgs", "30", "--repeat", "1", "--no-cli", "--no-memory"],
     "| graphkit load (library), on disk |"),
], ids=["validation", "validation-without-contribution", "load-export-on-disk-only"])
def test_the_steps_the_suite_runs_at_5m_write_their_sections(
        out: Path, module: str, argv: list[str], says: str) -> None:
    """The variants the full plan runs only at ≈5 M (after 30 minutes of the suite), run
    end to end at a tiny size: a broken one would otherwise be found by `make bench` alone."""
    done = subprocess.run([sys.executable, "-m", module, *argv], cwd=common.PROJECT,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    name = "40-validation" if module == "bench.validation" else "10-load-export"
    section = (out / "results" / f"{name}.md").read_text()
    assert says in section
    command = next(line for line in section.splitlines() if line.startswith("Command: "))
    assert all(f" {flag}" in command for flag in argv if flag.startswith("--"))
    if "--no-memory" in argv:
        assert "in memory" not in section
