"""Every planner by name: `PLANNERS` and `run_planner`, the one dispatch the agent (`learn`) and
`play` share, so a planner added here is a `--planner` choice of both.

Each answer is a `Search` (status "sat" | "unsat" | "unknown", the plan, nodes expanded); Z3's
bounded model checking is wrapped into one (its expansions count as 0).
"""

from __future__ import annotations

from dsl.compile import CompiledModel
from dsl.values import Mission, State
from plan.astar import astar_plan, manhattan_heuristic
from plan.bfs import Search, bfs_plan
from plan.mcts import mcts_plan
from plan.sokoban import sokoban_plan
from solver.queries import Limits, plan

PLANNERS = ("bfs", "astar", "mcts", "z3", "sokoban")
"""bfs: shortest plan; astar: Manhattan distance to the goal kinds; mcts: UCT with random
rollouts; z3: bounded model checking of the model's program; sokoban: A* over box pushes (needs
a Sokoban schema: object kinds wall, box and target)."""


def planner_problem(name: str, env_id: str, domain: str) -> str:
    """Why planner `name` cannot plan in the env `env_id` of `domain` (a CLI error line), or ""."""
    if name == "sokoban" and domain != "sokoban":
        return f"--planner sokoban plans box pushes; {env_id} is not a Sokoban env"
    return ""


def run_planner(
    name: str,
    model: CompiledModel,
    start: State,
    mission: Mission,
    horizon: int,
    *,
    max_nodes: int,
    timeout: float,
    seed: int = 0,
) -> Search:
    """A plan of at most `horizon` actions in `model` after which reward > 0 and done hold.
    Raises ValueError for an unknown planner, or for "sokoban" on a schema it cannot read."""
    if name == "z3":
        found = plan(model.program, start, mission, horizon, Limits(timeout=timeout))
        return Search(found.status, tuple(found.plan), 0, found.reason)
    if name == "bfs":
        return bfs_plan(model, start, mission, horizon, max_nodes=max_nodes, timeout=timeout)
    if name == "astar":
        heuristic = manhattan_heuristic(model.program.schema)
        return astar_plan(model, start, mission, horizon, max_nodes=max_nodes, timeout=timeout,
                          heuristic=heuristic)  # fmt: skip
    if name == "mcts":
        return mcts_plan(model, start, mission, horizon, max_nodes=max_nodes, timeout=timeout,
                         seed=seed)  # fmt: skip
    if name == "sokoban":
        return sokoban_plan(model, start, mission, horizon, max_nodes=max_nodes, timeout=timeout)
    raise ValueError(f"unknown planner {name!r}; the planners are {', '.join(PLANNERS)}")
