"""`worldcoder synth`: learn a world-model program from a JSONL dataset and a prior library.

The learner reads only the data and the prior (never the reference models). With `--env` and
`--seed` the result must also be optimistic: the mission reachable from that start state.
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
from worldcoder.envs import make_env


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
    p.add_argument("--proposer", choices=PROPOSERS, default="enum")
    p.add_argument(
        "--sketch", type=Path, default=None, help="a program with holes (proposer sketch)"
    )
    p.add_argument("--budget-seconds", type=float, default=300.0)
    p.add_argument("--out", type=Path, required=True, help="where to write the learned program")
    p.add_argument(
        "--env",
        default=None,
        help="optimism: the mission of this env's start state must be reachable",
    )
    p.add_argument("--seed", type=natural, default=0)
    p.add_argument("--horizon", type=positive, default=30)
    from synth.llm import add_arguments

    add_arguments(p)
    p.set_defaults(run=cmd_synth)


def cmd_synth(args: argparse.Namespace) -> int:
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
        from synth.llm import config_from_args

        llm = config_from_args(args)
    with Ticker(f"synthesizing from {len(data)} transitions ({args.proposer})"):
        result = synthesize(spec, args.proposer, sketch=args.sketch, llm=llm)
    text = result.text if args.proposer == "sketch" else program_text(spec, result.text, args.out)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    c = result.cost
    optimistic = {None: "not asked", True: "yes", False: "no"}[result.optimistic]
    print(
        f"wrote {args.out}: consistent={'yes' if result.consistent else 'no'} "
        f"({len(result.failing)} transitions failing), optimistic={optimistic}; "
        f"{c.candidates} candidates, {c.seconds:.1f} s, solver {c.solver_seconds:.1f} s, "
        f"LLM calls {c.llm_calls}, tokens {c.llm_tokens}",
        file=sys.stderr,
    )
    ok = result.consistent and result.optimistic is not False
    return 0 if ok else 1


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
