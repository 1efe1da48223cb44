"""`plan_to_goal`: a shortest plan to the mission's reward and done in a model program, by
either engine (explicit BFS on the compiled model, or bounded model checking in Z3), answered
as one `solver.Result` so a caller can switch engines with a flag."""

from __future__ import annotations

import time

from dsl import core as C
from dsl.compile import compile_program
from dsl.interp import require_model
from dsl.values import Mission, State
from plan.bfs import bfs_plan
from solver.queries import Limits, Result, plan
from solver.theory import Theory


def plan_to_goal(
    program: C.Program, start_state: State, mission: Mission, horizon: int,
    limits: Limits | None = None, *, engine: str = "z3", theory: Theory | None = None,
    max_nodes: int = 2_000_000,
) -> Result:  # fmt: skip
    """A shortest action list after which the model's reward is positive with done, or a proof
    (Z3) / exhaustive search (BFS) that none exists within the horizon."""
    require_model(program)
    limits = limits or Limits()
    if engine != "bfs":
        return plan(program, start_state, mission, horizon, limits, theory=theory)
    started = time.perf_counter()
    found = bfs_plan(compile_program(program), start_state, mission, horizon,
                     max_nodes=max_nodes, timeout=limits.timeout)  # fmt: skip
    return Result(found.status, time.perf_counter() - started, reason=found.reason,
                  plan=list(found.plan), details=[f"expanded {found.expanded} states"])  # fmt: skip
