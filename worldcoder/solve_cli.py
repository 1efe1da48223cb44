"""`worldcoder solve ...`: the solver's queries on the command line.

Each subcommand prints a readable answer, or with `--json` one JSON object with at least
`status` and `seconds`. Exit status: 0 for sat / equivalent / proved, 1 for the negative
answers and for errors, 3 for unknown.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dsl import core as C
from dsl.check import check_file, check_modules
from dsl.parse import load_modules, parse_module
from dsl.values import Mission, State, iter_dataset, state_from_json
from plan import plan_to_goal as plan_query
from solver import Bounds, Limits, Result, Theory, check_consistency, distinguish, equivalent
from solver import invariant as prove_invariant
from solver import optimistic as optimistic_query
from worldcoder.argtypes import output_file, seconds
from worldcoder.envs import make_env
from worldcoder.envs.sokoban import LEVEL_SET_NAMES

POSITIVE = {"sat", "equivalent", "proved"}


def add_solve_parser(
    sub: Any, positive: Callable[[str], int], natural: Callable[[str], int]
) -> None:
    p = sub.add_parser(
        "solve",
        help="satisfiability queries: consistent, plan, optimistic, distinguish, equiv, invariant",
    )
    queries = p.add_subparsers(dest="query", required=True, metavar="QUERY")

    def common(q: argparse.ArgumentParser) -> None:
        q.add_argument("--json", action="store_true", help="print one JSON object")
        q.add_argument("--timeout", type=seconds, default=60.0, help="seconds")
        q.add_argument(
            "--rlimit", type=positive, default=None, help="Z3 resource limit, for determinism"
        )
        q.add_argument(
            "--smt2",
            type=output_file,
            default=None,
            help="write the query as SMT-LIB2 to this file",
        )
        q.add_argument("--ints", choices=("int", "bv"), default="int",
                       help="int encoding (default int: fastest in bench/solver_bench.py)")  # fmt: skip
        q.add_argument(
            "--enums",
            choices=("datatype", "int"),
            default="datatype",
            help="enum encoding (default datatype)",
        )

    def start(q: argparse.ArgumentParser) -> None:
        q.add_argument("--env", required=True, help="environment id (see `worldcoder envs`)")
        q.add_argument("--seed", type=natural, default=0, help="seed of the start state")
        q.add_argument("--horizon", type=positive, required=True, help="at most this many steps")
        q.add_argument("--level-file", default=None, metavar="FILE|SET",
                       help=f"Sokoban: a Boxoban-format level file, or a shipped level set ({LEVEL_SET_NAMES})")  # fmt: skip
        q.add_argument(
            "--level", type=natural, default=None, help="Sokoban: level index in the file"
        )

    def bounds(q: argparse.ArgumentParser) -> None:
        q.add_argument(
            "--grid",
            type=grid,
            default=(8, 8),
            metavar="WxH",
            help="grid width and height (default 8x8)",
        )
        q.add_argument("--objects", type=natural, default=3, metavar="K", help="at most K objects")
        q.add_argument("--mission", default="", help="mission text (default empty)")
        q.add_argument(
            "--walls", action="store_true", help="border cells of the grid hold walls (MiniGrid)"
        )
        q.add_argument("--assume", default=None, metavar="EXPR",
                       help="a bool expression the state must satisfy (checked with model A's names)")  # fmt: skip

    q = queries.add_parser(
        "consistent", help="does some filling of the holes explain every transition?"
    )
    q.add_argument("model", type=Path, help="a model (holes allowed)")
    q.add_argument("data", type=Path, help="JSONL transitions")
    q.add_argument("--engine", choices=("auto", "solver"), default="auto",
                   help="auto: hole-free models are evaluated (fast path); solver: always Z3")  # fmt: skip
    common(q)
    q.set_defaults(run=cmd_consistent)

    q = queries.add_parser("plan", help="shortest plan to reward and done in the model")
    q.add_argument("model", type=Path, help="a hole-free model")
    start(q)
    q.add_argument(
        "--engine",
        choices=("z3", "bfs"),
        default="z3",
        help="z3: bounded model checking; bfs: breadth-first search",
    )
    common(q)
    q.set_defaults(run=cmd_plan)

    q = queries.add_parser("optimistic", help="fill holes: consistent with data AND goal reachable")
    q.add_argument("sketch", type=Path, help="a model with holes")
    q.add_argument("data", type=Path, help="JSONL transitions")
    start(q)
    common(q)
    q.set_defaults(run=cmd_optimistic)

    for name, fn in (("distinguish", cmd_distinguish), ("equiv", cmd_equiv)):
        q = queries.add_parser(
            name,
            help="a state and action where two models differ"
            if name == "distinguish"
            else "bounded equivalence of two models",
        )
        q.add_argument("a", type=Path, help="model A")
        q.add_argument("b", type=Path, help="model B")
        bounds(q)
        common(q)
        q.set_defaults(run=fn)

    q = queries.add_parser(
        "invariant", help="prove a boolean state expression inductive (k-induction)"
    )
    q.add_argument("model", type=Path, help="a hole-free model")
    q.add_argument("expr", help="a bool expression over the state, e.g. 'agent_safe()'")
    q.add_argument("--k", type=positive, default=1, help="induction depth")
    bounds(q)
    common(q)
    q.set_defaults(run=cmd_invariant)


def grid(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d+)x(\d+)", text)
    if not m or int(m.group(1)) < 1 or int(m.group(2)) < 1:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT like 8x8, found {text!r}")
    return int(m.group(1)), int(m.group(2))


def limits_of(args: argparse.Namespace) -> Limits:
    return Limits(args.timeout, args.rlimit, args.smt2)


def theory_of(args: argparse.Namespace) -> Theory:
    return Theory(ints=args.ints, enums=args.enums)


def bounds_of(args: argparse.Namespace) -> Bounds:
    return Bounds(args.grid[0], args.grid[1], args.objects, args.walls)


def start_of(program: C.Program, args: argparse.Namespace) -> tuple[State, Mission]:
    env = make_env(args.env, level_file=args.level_file, level=args.level)
    try:
        state, mission = env.reset(seed=args.seed)
    finally:
        env.close()
    return state_from_json(program.schema, state, f"{args.env} start state"), Mission.of(mission)


def report(args: argparse.Namespace, result: Result, program: C.Program | None = None) -> int:
    if args.json:
        print(json.dumps(result.to_json()))
    else:
        print(
            f"{result.status} ({result.seconds:.3f} s)"
            + (f": {result.reason}" if result.reason else "")
        )
        for pos, text in result.holes.items():
            print(f"  hole at {pos} := {text}")
        if result.plan:
            print(f"  plan ({len(result.plan)} steps): {' '.join(result.plan)}")
        if result.failing:
            print(f"  failing lines: {', '.join(map(str, result.failing))}")
        for line in result.details:
            print(f"  {line}")
        if result.state is not None:
            print(f"  action: {result.action}\n  state: {json.dumps(result.state)}")
        for i, step in enumerate(result.trace):
            print(
                f"  s{i}: {json.dumps(step['state'])}"
                + (f"\n  a{i}: {step['action']}" if "action" in step else "")
            )
    if result.status == "unknown":
        return 3
    return 0 if result.status in POSITIVE else 1


def cmd_consistent(args: argparse.Namespace) -> int:
    program = check_file(args.model)
    data = list(iter_dataset(program.schema, args.data))
    result = check_consistency(
        program, data, limits_of(args), engine=args.engine, theory=theory_of(args)
    )
    return report(args, result)


def cmd_plan(args: argparse.Namespace) -> int:
    program = check_file(args.model)
    state, mission = start_of(program, args)
    result = plan_query(program, state, mission, args.horizon, limits_of(args),
                        engine=args.engine, theory=theory_of(args))  # fmt: skip
    return report(args, result)


def cmd_optimistic(args: argparse.Namespace) -> int:
    program = check_file(args.sketch)
    data = list(iter_dataset(program.schema, args.data))
    state, mission = start_of(program, args)
    result = optimistic_query(
        program, data, state, mission, args.horizon, limits_of(args), theory=theory_of(args)
    )
    return report(args, result)


def with_helper(path: Path, name: str, expr: str | None) -> C.Program:
    """A model's program, plus `def NAME() -> bool = EXPR` checked in its scope when EXPR is given."""
    modules = load_modules(path)
    if expr is None:
        return check_modules(modules)
    extra = parse_module(f"def {name}() -> bool =\n  {expr}\n", f"<{name}>")
    return check_modules([*modules, extra])


def two_models(args: argparse.Namespace) -> tuple[C.Program, C.Program, str | None]:
    a = with_helper(args.a, "__assume__", args.assume)
    return a, check_file(args.b), ("__assume__" if args.assume else None)


def cmd_distinguish(args: argparse.Namespace) -> int:
    a, b, assume = two_models(args)
    result = distinguish(a, b, bounds_of(args), Mission.of(args.mission), limits_of(args),
                         theory=theory_of(args), assume=assume)  # fmt: skip
    return report(args, result)


def cmd_equiv(args: argparse.Namespace) -> int:
    a, b, assume = two_models(args)
    result = equivalent(a, b, bounds_of(args), Mission.of(args.mission), limits_of(args),
                        theory=theory_of(args), assume=assume)  # fmt: skip
    return report(args, result)


def cmd_invariant(args: argparse.Namespace) -> int:
    program = with_helper(args.model, "__invariant__", args.expr)
    result = prove_invariant(program, "__invariant__", bounds_of(args), args.k, Mission.of(args.mission),
                             limits_of(args), theory=theory_of(args), label=args.expr)  # fmt: skip
    return report(args, result)


def fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
