"""`worldcoder synth`: learn a world-model program from a JSONL dataset and a prior library.

The learner reads only the data and the prior (never the reference models). With `--env` and
`--seed` the result must also be optimistic: the mission reachable from that start state.
`--out` is written only when the program found is consistent with every transition; otherwise
the command says why (failing transitions, rejected LLM replies and the last error) and exits 1.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path
from typing import Any

from dsl.check import check_file
from dsl.parse import library_names, library_path
from dsl.values import Mission, iter_dataset, state_from_json
from synth import PROPOSERS, Budget, Optimism, Spec, program_text, synthesize
from synth.spec import Cost, Result
from worldcoder.argtypes import add_llm_arguments, llm_config_from_args, output_file, seconds
from worldcoder.envs import domain_of, make_env


def prior_file(value: str) -> Path:
    """A `--prior` value: the library module of that name (`import NAME`), else a file path."""
    return library_path(value) if value in library_names() else Path(value)


def add_synth_parser(sub: Any, positive: Any, natural: Any) -> None:
    p = sub.add_parser("synth", help="learn a model program from data (offline by default)")
    p.add_argument("--data", type=Path, required=True, help="JSONL transitions")
    p.add_argument(
        "--prior",
        type=prior_file,
        action="append",
        required=True,
        metavar="FILE|NAME",
        help="prior library: a .wc file, or a library module by name, e.g. minigrid_prior (repeatable)",
    )
    p.add_argument("--proposer", choices=PROPOSERS, default="enum",
                   help="enum: offline enumeration; sketch: fill the holes of --sketch; llm")  # fmt: skip
    p.add_argument(
        "--sketch", type=Path, default=None, help="a program with holes (proposer sketch)"
    )
    p.add_argument("--budget-seconds", type=seconds, default=300.0, help="time limit of the search")
    p.add_argument("--out", type=output_file, required=True,
                   help="where to write the learned program (only when it is consistent)")  # fmt: skip
    p.add_argument(
        "--env",
        default=None,
        help="optimism: the mission of this env's start state must be reachable",
    )
    p.add_argument("--seed", type=natural, default=0, help="seed of --env's start state")
    p.add_argument("--horizon", type=positive, default=30,
                   help="optimism: steps within which the mission must be reachable")  # fmt: skip
    add_llm_arguments(p)
    p.set_defaults(run=cmd_synth)


def cmd_synth(args: argparse.Namespace) -> int:
    if args.env:
        domain_of(args.env)  # an unknown id is a usage error before any work
    schema = check_file(args.prior[0]).schema
    data = tuple(iter_dataset(schema, args.data))
    optimism = None
    if args.env:
        env = make_env(args.env)
        try:
            state, mission = env.reset(seed=args.seed)
        finally:
            env.close()
        optimism = Optimism(
            ((state_from_json(schema, state, f"{args.env} start"), Mission.of(mission)),),
            args.horizon,
        )
    spec = Spec(data, tuple(args.prior), optimism, Budget(seconds=args.budget_seconds))
    llm = None
    if args.proposer == "llm":
        llm = llm_config_from_args(args)
    with Ticker(f"synthesizing from {len(data)} transitions ({args.proposer})"):
        result = synthesize(spec, args.proposer, sketch=args.sketch, llm=llm)
    for line in _explain(args, result):
        print(line, file=sys.stderr)
    if not result.consistent:
        return 1
    text = result.text if args.proposer == "sketch" else program_text(spec, result.text, args.out)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0 if result.optimistic is not False else 1


def _explain(args: argparse.Namespace, result: Result) -> list[str]:
    """The closing lines: what was found and what was written, what the LLM's failures were,
    and what an answer of no means and what to try."""
    c = result.cost
    optimistic = {None: "not asked", True: "yes", False: "no"}[result.optimistic]
    written = (
        f"wrote {args.out}"
        if result.consistent
        else f"no consistent program: {args.out} not written"
    )
    lines = [
        f"{written}: consistent={'yes' if result.consistent else 'no'} "
        f"({len(result.failing)} transitions failing), optimistic={optimistic}; "
        f"{c.candidates} candidates, {c.seconds:.1f} s, solver {c.solver_seconds:.1f} s, "
        f"LLM calls {c.llm_calls}, tokens {c.llm_tokens}"
    ]  # fmt: skip
    if args.proposer == "llm" and c.llm_failures:
        lines.append(_llm_failures(c))
    if not result.consistent:
        first = ", ".join(str(n) for n in result.failing[:5]) + (
            ", ..." if len(result.failing) > 5 else ""
        )
        where = f" (first failing lines of {args.data}: {first})" if result.text and first else ""
        lines.append(
            f"no program within the budget reproduces every transition{where}; try a larger "
            "--budget-seconds, another --proposer, or check the data against the prior"
        )  # fmt: skip
    elif result.optimistic is False:
        lines.append(
            f"optimistic=no: the program reproduces the data, but in it the mission of {args.env} "
            f"(seed {args.seed}) cannot be reached within --horizon {args.horizon} steps; try a "
            "larger --horizon, or more data showing how the mission is reached"
        )  # fmt: skip
    return lines


def _llm_failures(c: Cost) -> str:
    rejected = f"{c.llm_rejected} replies rejected (off the grammar or ill-typed)"
    other = c.llm_failures - c.llm_rejected
    failed = f", {other} calls failed or came back empty" if other else ""
    last = f"; last error: {c.llm_last_error}" if c.llm_last_error else ""
    return f"LLM: {rejected}{failed} of {c.llm_calls} calls{last}"


class Ticker:
    """Elapsed time on one terminal line while long work runs; silent when not a terminal."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def __enter__(self) -> Ticker:
        if sys.stderr.isatty():
            self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join()
            sys.stderr.write("\r\033[K")

    def run(self) -> None:
        start = time.monotonic()
        while not self.stop.wait(0.2):
            sys.stderr.write(f"\r{self.label}: {time.monotonic() - start:.0f} s")
            sys.stderr.flush()
