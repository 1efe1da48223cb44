"""Planning in a model: explicit-state search on a compiled model and the goal query by engine.

    bfs_plan / astar_plan / mcts_plan(compiled, start, mission, horizon) -> Search (explicit-state
        planners on a `CompiledModel`; A* takes a heuristic, e.g. manhattan_heuristic(schema))
    sokoban_plan(compiled, start, mission) -> Search   (A* over pushes in a Sokoban-schema model)
    run_planner(name, compiled, start, mission, horizon, ...) -> Search   (any of PLANNERS by name)
    planner_problem(name, env_id, domain) -> str   (why a planner cannot serve an env, or "")
    plan_to_goal(program, start, mission, horizon, engine="z3"|"bfs") -> solver.Result

Sits between `solver` (exact Z3 semantics) and `synth`: dsl <- solver <- plan <- synth.
"""

from plan.astar import Heuristic, astar_plan, manhattan_heuristic, zero_heuristic
from plan.bfs import Search, bfs_plan
from plan.goal import plan_to_goal
from plan.mcts import mcts_plan
from plan.planners import PLANNERS, planner_problem, run_planner
from plan.sokoban import SokobanKinds, dead_squares, sokoban_heuristic, sokoban_plan

__all__ = [
    "PLANNERS", "Heuristic", "Search", "SokobanKinds", "astar_plan", "bfs_plan", "dead_squares",
    "manhattan_heuristic", "mcts_plan", "plan_to_goal", "planner_problem", "run_planner",
    "sokoban_heuristic", "sokoban_plan", "zero_heuristic",
]  # fmt: skip
