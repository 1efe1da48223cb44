"""Exact Z3 semantics of the DSL and the satisfiability queries built on it.

    check_consistency(program, [(line, transition), ...])    -> sat (holes) | unsat (failing lines)
    plan(program, start, mission, horizon, engine="z3"|"bfs")  -> shortest plan | unsat
    optimistic(sketch, data, start, mission, horizon)        -> holes + plan in one query
    distinguish(a, b, Bounds(w, h, k)) / equivalent(...)     -> state + action where they differ
    invariant(program, "helper_name", Bounds(...), k)        -> proved | counterexample trace
    bfs_plan / astar_plan / mcts_plan(compiled, start, mission, horizon) -> Search (explicit-state
        planners on a `CompiledModel`; A* takes a heuristic, e.g. manhattan_heuristic(schema))
    sokoban_plan(compiled, start, mission) -> Search   (A* over pushes in a Sokoban-schema model)
    run_planner(name, compiled, start, mission, horizon, ...) -> Search   (any of PLANNERS by name)
    planner_problem(name, env_id, domain) -> str   (why a planner cannot serve an env, or "")

Every query takes `Limits(timeout, rlimit, smt2)` and answers "unknown" with a reason rather than
hang. `Theory(ints="bv"|"int", enums="int"|"datatype")` picks the encoding.
"""

from solver.astar import Heuristic, astar_plan, manhattan_heuristic, zero_heuristic
from solver.bfs import Search, bfs_plan
from solver.encode import Encoder, HoleVars, SymState, fresh_state
from solver.mcts import mcts_plan
from solver.planners import PLANNERS, planner_problem, run_planner
from solver.queries import (
    Bounds,
    Limits,
    Result,
    check_consistency,
    distinguish,
    equivalent,
    invariant,
    optimistic,
    plan,
)
from solver.sokoban import SokobanKinds, dead_squares, sokoban_heuristic, sokoban_plan
from solver.theory import Theory

__all__ = [
    "PLANNERS", "Bounds", "Encoder", "Heuristic", "HoleVars", "Limits", "Result", "Search", "SokobanKinds",
    "SymState", "Theory", "astar_plan", "bfs_plan", "check_consistency", "dead_squares",
    "distinguish", "equivalent", "fresh_state", "invariant", "manhattan_heuristic", "mcts_plan",
    "optimistic", "plan", "planner_problem", "run_planner", "sokoban_heuristic", "sokoban_plan", "zero_heuristic",
]  # fmt: skip
