"""The whole benchmark suite unattended (``make bench`` → ``python -m bench``): every module
at its sizes, each in its own process with a time budget, all within one overall budget.

- Sizes: ≈1 M triples (``--orgs 40000``) and ≈5 M (``--orgs 200000``); each synthetic file
  is made once (:func:`bench.common.synthetic_file` keeps it in ``bench/work/``) and reused.
  A module run per size gets ``GRAPHKIT_BENCH_SIZE`` (``1M``, ``5M``), so its section is
  ``NN-name@1M.md`` and so on.
- Order: everything at ≈1 M and the single-size modules first, then ≈5 M.
- Budgets: a step past its own budget, or past what is left of the overall one, is
  interrupted (SIGINT: its servers stop; SIGKILL 30 s later) and reported; a step that no
  longer fits is skipped and reported. The elapsed time of every step, the total and the
  budget go to the ``00-suite`` section of RESULTS.md.
- ``--quick``: tiny sizes and short runs (a few minutes) into ``bench/work/quick/``, to check
  the plumbing without touching ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

from bench.common import (
    OUT_VARIABLE,
    PROJECT,
    SIZE_VARIABLE,
    WORK,
    assemble,
    output,
    synthetic_file,
    table,
    tag_for,
    write_section,
)

GRACE = 30.0  # seconds between SIGINT and SIGKILL of a step past its budget
FULL_BUDGET = 40 * 60.0
QUICK_BUDGET = 15 * 60.0
RESERVE = 60.0  # of the overall budget, kept for the charts and RESULTS.md
DEFAULT_BUDGET = 120.0  # a module of SUITE that the plans do not name


@dataclass
class Step:
    module: str  # e.g. "bench.query_mix"
    argv: list[str]
    budget: float  # seconds
    size: str = ""  # size tag; "" for a module run once
    outcome: str = "not run"
    elapsed: float = 0.0

    @property
    def short(self) -> str:
        return self.module.rsplit(".", 1)[-1]

    @property
    def command(self) -> str:
        return " ".join(["python -m", self.module, *self.argv])


@dataclass
class Plan:
    sizes: dict[str, int]  # tag -> orgs, smallest first
    steps: list[Step] = field(default_factory=list)
    budget: float = FULL_BUDGET
    command: str = "python -m bench"
    synthesised: dict[str, float] = field(default_factory=dict)  # tag -> seconds taken


def full_plan() -> Plan:
    """The real run. Budgets are upper bounds (a quiet 2-core machine needs less)."""
    small, large = 40_000, 200_000
    s, L = tag_for(small), tag_for(large)
    plan = Plan({s: small, L: large})
    plan.steps = [
        Step("bench.load_export", ["--orgs", str(small), "--repeat", "2"], 240, s),
        Step("bench.query_mix", ["--orgs", str(small), "--seconds", "6", "--rounds", "1",
                                 "--repeat", "4", "--slow-repeat", "2", "--slow-cap", "10"],
             600, s),
        Step("bench.validation", ["--large", str(small), "--repeat", "1"], 300, s),
        Step("bench.analytics", ["--orgs", str(small), "--repeat", "1"], 150, s),
        Step("bench.linked_data", ["--orgs", str(small), "--repeat", "2", "--pages", "5"],
             210),  # 150 s on a quiet machine: dumps of ≈1 M triples in four formats
        Step("bench.contributions", ["--orgs", "4000", "--repeat", "3"], 120),
        Step("bench.request_overhead", [], 150),  # ≈1 M triples: 70 s on a quiet machine
        Step("bench.load_test", ["--orgs", "4000", "--seconds", "60"], 240),
        Step("bench.fuzz", ["--examples", "100"], 150),
        # ≈5 M last, the peers first: what does not fit the overall budget is cut, reported
        Step("bench.query_mix", ["--orgs", str(large), "--seconds", "5", "--rounds", "1",
                                 "--repeat", "3", "--no-stream"], 720, L),
        Step("bench.load_export", ["--orgs", str(large), "--repeat", "1", "--no-cli",
                                   "--no-memory"], 300, L),
        Step("bench.analytics", ["--orgs", str(large), "--repeat", "1"], 360, L),
        # the contribution's target is stated at ≈1 M triples: measured there only
        Step("bench.validation", ["--large", str(large), "--small", "20", "--repeat", "1",
                                  "--no-contribution"], 300, L),
    ]
    return plan


def quick_plan() -> Plan:
    """Tiny sizes, every module, in the full plan's order: does the plumbing work?"""
    small, large = 200, 1000
    s, L = tag_for(small), tag_for(large)
    plan = Plan({s: small, L: large}, budget=QUICK_BUDGET)

    def per_size(tag: str, orgs: int) -> list[Step]:
        # the larger size leaves out what the full plan leaves out at ≈5 M
        fewer = ["--no-memory"] if orgs == large else []
        return [
            Step("bench.load_export", ["--orgs", str(orgs), "--repeat", "1", *fewer], 60, tag),
            Step("bench.query_mix", ["--orgs", str(orgs), "--seconds", "1", "--repeat", "2",
                                     "--slow-repeat", "1", "--rounds", "1"], 150, tag),
            Step("bench.validation", ["--large", str(orgs), "--small", "10", "--repeat", "1",
                                      *(["--no-contribution"] if orgs == large else [])],
                 90, tag),
            Step("bench.analytics", ["--orgs", str(orgs), "--repeat", "1", "--samples", "20"],
                 60, tag)]

    plan.steps = [*per_size(s, small),
                  Step("bench.linked_data", ["--orgs", str(small), "--repeat", "1", "--pages",
                                             "2"], 60),
                  Step("bench.contributions", ["--orgs", str(small), "--rows", "10",
                                               "--repeat", "1"], 90),
                  Step("bench.request_overhead", ["--orgs", str(small), "--requests", "50"],
                       90),
                  Step("bench.load_test", ["--orgs", str(small), "--seconds", "3"], 60),
                  Step("bench.fuzz", ["--examples", "3"], 120),
                  *per_size(L, large)]
    return plan


#: ``python -m MODULE ARGS`` with Python's SIGINT handler installed even when this process
#: was started with SIGINT ignored (``nohup``, a background job of a script), which the child
#: would inherit: then the interrupt at a step's budget would do nothing, its servers would not
#: stop in order, and SIGKILL would come only after :data:`GRACE`.
_LAUNCH = ("import runpy, signal, sys; "
           "signal.signal(signal.SIGINT, signal.default_int_handler); "
           "sys.argv = sys.argv[1:]; "
           "runpy.run_module(sys.argv[0], run_name='__main__', alter_sys=True)")


def run_step(step: Step, *, timeout: float, env: dict[str, str]) -> None:
    """Run one module in its own process group; interrupt it past ``timeout``."""
    if importlib.util.find_spec(step.module) is None:
        step.outcome = "skipped: the module is not there"
        return
    command = [sys.executable, "-c", _LAUNCH, step.module, *step.argv]
    began = time.perf_counter()
    process = subprocess.Popen(command, cwd=PROJECT, start_new_session=True,
                               env={**env, SIZE_VARIABLE: step.size})
    try:
        code = process.wait(timeout=max(1.0, timeout))
        step.outcome = "ok" if code == 0 else f"FAILED (exit {code})"
    except subprocess.TimeoutExpired:
        _interrupt(process)
        step.outcome = f"INTERRUPTED at its budget of {timeout:.0f} s"
    except KeyboardInterrupt:
        _interrupt(process)
        raise
    finally:
        step.elapsed = time.perf_counter() - began


def _interrupt(process: subprocess.Popen[bytes]) -> None:
    for sig, wait in ((signal.SIGINT, GRACE), (signal.SIGKILL, GRACE)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def run(plan: Plan, *, only: list[str], env: dict[str, str]) -> float:
    """Every step of ``plan`` (or those of the modules in ``only``) within the budget;
    the summary goes to RESULTS.md. Returns the total wall time."""
    began = time.perf_counter()
    deadline = began + plan.budget - RESERVE
    steps = [s for s in plan.steps if not only or s.short in only]
    for step in steps:
        left = deadline - time.perf_counter()
        if left < min(step.budget, 60.0):
            step.outcome = f"skipped: {max(left, 0):.0f} s of the overall budget left"
            print(f"== {step.short} {step.size}: {step.outcome}", flush=True)
            continue
        if step.size and step.size not in plan.synthesised:
            print(f"== synthesising {step.size} ({plan.sizes[step.size]} organisations; "
                  "kept in bench/work/)", flush=True)
            made = time.perf_counter()
            synthetic_file(plan.sizes[step.size])
            plan.synthesised[step.size] = time.perf_counter() - made
            left = deadline - time.perf_counter()
        print(f"== {step.command}  [{step.size or 'one size'}; budget "
              f"{min(step.budget, left):.0f} s]", flush=True)
        run_step(step, timeout=min(step.budget, left), env=env)
        print(f"== {step.short} {step.size}: {step.outcome} in {step.elapsed:.0f} s "
              f"(total {time.perf_counter() - began:.0f} s)", flush=True)
    from bench.charts import render

    render()
    total = time.perf_counter() - began
    _summary(plan, steps, total)
    return total


def _summary(plan: Plan, steps: list[Step], total: float) -> None:
    rows = [[f"synthesise `--orgs {plan.sizes[tag]}` (or reuse the file)", tag, "–",
             f"{seconds:.0f}", "ok"] for tag, seconds in plan.synthesised.items()]
    rows += [[f"`{s.command}`", s.size or "–", f"{s.budget:.0f}", f"{s.elapsed:.0f}",
              s.outcome] for s in steps]
    within = total <= plan.budget
    sizes = ", ".join(f"{tag} = `--orgs {orgs}`" for tag, orgs in plan.sizes.items())
    body = (f"Sizes: {sizes} (`graphkit synth`, made once and reused). Each step runs in its "
            "own process with a budget; a step past it is interrupted, one that no longer "
            "fits the overall budget is skipped.\n\n"
            + table(["step", "size", "budget s", "elapsed s", "outcome"], rows)
            + f"\n\n**Total wall time {total / 60:.1f} min against a budget of "
              f"{plan.budget / 60:.0f} min — {'within' if within else 'OVER'} budget**"
              f" (synthesising the data and drawing the charts included).")
    write_section("00-suite", "The suite: steps, budgets and wall time", plan.command, body,
                  sized=False)
    assemble()


def main(argv: list[str] | None = None, *, suite: list[str] | None = None) -> None:
    """``suite``: every module that must run (``bench.__main__.SUITE``); one the plan does
    not name runs once, with its defaults, after the others (budget ``DEFAULT_BUDGET``)."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("modules", nargs="*", metavar="MODULE",
                        help="only these modules (e.g. query_mix load_export)")
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes, a few minutes, into bench/work/quick/")
    parser.add_argument("--budget", type=float, default=None,
                        help="overall budget in minutes (default 40; 15 with --quick)")
    args = parser.parse_args(argv)
    plan = quick_plan() if args.quick else full_plan()
    planned = {step.module for step in plan.steps}
    plan.steps += [Step(module, [], DEFAULT_BUDGET) for module in suite or []
                   if module not in planned]
    known = {step.short for step in plan.steps}
    unknown = [m for m in args.modules if m not in known]
    if unknown:
        parser.error(f"unknown module(s) {', '.join(unknown)}; the suite has "
                     f"{', '.join(sorted(known))}")
    if args.budget is not None:
        if args.budget <= 0:
            parser.error("--budget must be a positive number of minutes")
        plan.budget = args.budget * 60
    env = dict(os.environ)
    if args.quick:
        env[OUT_VARIABLE] = str(WORK / "quick")
        os.environ[OUT_VARIABLE] = env[OUT_VARIABLE]  # for the charts and RESULTS.md here
    plan.command = " ".join(["python -m bench", *(argv if argv is not None else sys.argv[1:])])
    total = run(plan, only=args.modules, env=env)
    print(f"== all done in {total / 60:.1f} min (budget {plan.budget / 60:.0f} min); "
          f"see {output().results}", flush=True)

