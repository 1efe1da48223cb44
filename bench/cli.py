"""`worldcoder-bench` (also `python -m bench`): run benchmarks and record their results.

Owns the command's flags and their checks; the runner itself (jobs, worker processes, Ray,
progress, resume, results files) is `bench.suite`. The command lives here, not in `worldcoder`,
because `worldcoder` never imports `bench` (the benches import `worldcoder`).
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.suite import BENCHES, RESULTS, BenchError, load_bench, run_suite
from worldcoder.argtypes import positive

PROG = "worldcoder-bench"


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except KeyboardInterrupt:
        print("interrupted: run the same command again to resume", file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=PROG,
        description="Run benchmarks (sample efficiency, Taxi, Sokoban, the paper's claims, "
        "throughput) and write bench/results/NAME.json and plots. An interrupted run resumes "
        "when the same command is run again.",
    )
    p.add_argument("--quick", action="store_true", help="small budgets: minutes instead of hours")
    p.add_argument("--only", nargs="+", metavar="NAME", help="run these benches only (--list)")
    p.add_argument("--workers", type=positive, default=os.cpu_count() or 1,
                   help="parallel worker processes (default: one per core)")  # fmt: skip
    p.add_argument("--ray", metavar="ADDRESS", default=None,
                   help="run the jobs on this Ray cluster instead (e.g. 127.0.0.1:6379 or auto)")  # fmt: skip
    p.add_argument(
        "--out", type=Path, default=None, help="results directory (default bench/results)"
    )
    p.add_argument("--fresh", action="store_true", help="ignore results recorded by earlier runs")
    p.add_argument("--match", nargs="+", metavar="GLOB", default=[],
                   help="run only the jobs whose key matches, e.g. '*/seed0' (the rest: not run)")  # fmt: skip
    p.add_argument("--report", action="store_true",
                   help="run nothing: write the results files from the jobs recorded so far")  # fmt: skip
    p.add_argument("--list", action="store_true", help="list the benches and their job counts")
    return p


def run(args: argparse.Namespace) -> int:
    names = args.only or list(BENCHES)
    if args.report and args.fresh:
        print("error: --report writes what is recorded; --fresh would discard it", file=sys.stderr)
        return 2
    try:
        if args.list:
            for name in names:
                module = load_bench(name)
                quick, full = len(module.jobs(True)), len(module.jobs(False))
                print(f"{name:18} {quick:4} quick jobs {full:5} full jobs")
            return 0
        outputs = run_suite(
            names, quick=args.quick, workers=args.workers, ray_address=args.ray,
            out_dir=args.out or RESULTS, fresh=args.fresh, match=args.match,
            command=_command(args), run_jobs=not args.report,
        )  # fmt: skip
    except BenchError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for path in outputs.values():
        print(path)
    return 0


def _command(args: argparse.Namespace) -> str:
    """The command line that reproduces this run (recorded in the results files)."""
    words = [PROG] + (["--quick"] if args.quick else [])
    words += ["--only", *args.only] if args.only else []
    words += ["--match", *args.match] if args.match else []
    if args.report:
        return shlex.join([*words, "--report"])
    words += ["--workers", str(args.workers)] + (["--ray", args.ray] if args.ray else [])
    return shlex.join(words)
