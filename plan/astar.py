"""A* planning on a compiled model, with a pluggable heuristic.

Owns `astar_plan` (same call shape and `Search` result as `solver.bfs.bfs_plan`, plus a
`heuristic`), the `Heuristic` signature, the zero heuristic (A* then expands states in BFS order
and returns a shortest plan) and `manhattan_heuristic`, a goal-distance estimate for grid states.

The horizon prunes on the cost so far only, never on the heuristic, so the search stays complete
within the horizon whatever the heuristic says; an admissible heuristic (one that never
overestimates the actions still needed) also keeps the plan shortest. Reaching the goal is a
property of a step (reward > 0 and done), so a rewarding step is queued as a goal entry with cost
g + 1 and the plan is returned when that entry is popped, which keeps A* optimal.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable, Hashable

from dsl import core as C
from dsl.compile import CompiledModel
from dsl.values import Mission, State
from plan.bfs import Search, over_budget, path_to

Heuristic = Callable[[State, Mission], int]
"""A lower bound (ideally) on the actions still needed from a state to a rewarding step."""

GOAL_KINDS = ("goal", "destination")
"""Object kinds the agent must stand on for the reward (MiniGrid's goal, Taxi's destination)."""

_Entry = tuple[int, int, int, int, Hashable, str]  # f, goal-first, -g, tiebreak, state key, action


def zero_heuristic(state: State, mission: Mission) -> int:
    """No estimate: A* becomes breadth-first search."""
    return 0


def astar_plan(
    model: CompiledModel,
    start: State,
    mission: Mission,
    horizon: int,
    *,
    heuristic: Heuristic = zero_heuristic,
    max_nodes: int = 2_000_000,
    timeout: float = 60.0,
) -> Search:
    """A plan of at most `horizon` actions reaching reward > 0 with done (shortest when the
    heuristic is admissible), "unsat" when none exists, "unknown" when the budget runs out.
    States are keyed as `model.expansion` says; the heuristic sees them as `State`s."""
    actions = model.program.schema.actions
    space = model.expansion(mission)
    successors, as_state = space.successors, space.state
    first = space.key(start)
    parents: dict[Hashable, tuple[Hashable, str] | None] = {first: None}
    best: dict[Hashable, int] = {first: 0}
    heap: list[_Entry] = [(heuristic(start, mission), 1, 0, 0, first, "")]
    deadline = time.monotonic() + timeout
    expanded = pushed = 0
    while heap:
        _, _, neg_g, _, key, final = heapq.heappop(heap)
        g = -neg_g
        if final:
            return Search("sat", (*path_to(parents, key), final), expanded)
        if g > best[key] or g >= horizon:
            continue
        expanded += 1
        if (stop := over_budget(expanded, max_nodes, deadline, timeout)) is not None:
            return stop
        for i, (nxt, reward, done) in enumerate(successors(key)):
            pushed += 1
            if done and reward > 0:
                heapq.heappush(heap, (g + 1, 0, -g, pushed, key, actions[i]))
                continue
            if done or g + 1 >= best.get(nxt, horizon + 1):
                continue
            best[nxt], parents[nxt] = g + 1, (key, actions[i])
            h = heuristic(as_state(nxt), mission)
            heapq.heappush(heap, (g + 1 + h, 1, -g - 1, pushed, nxt, ""))
    return Search("unsat", (), expanded)


def manhattan_heuristic(schema: C.Schema, kinds: tuple[str, ...] = GOAL_KINDS) -> Heuristic:
    """Manhattan distance from the agent to the nearest on-grid object of a goal-like kind that
    the mission names (`kinds`, e.g. "get to the green goal square"), plus, when the agent has a
    `dir` field (MiniGrid: 0 east, 1 south, 2 west, 3 north), one turn for every direction of
    travel the agent does not already face.

    Admissible, and consistent, when the reward fires only on a step onto (or, as in Taxi, at)
    that object and every move changes x or y by one; for other missions (no named goal-like kind)
    it is zero. For a state without agent x, y or object kind, x, y fields it is the zero heuristic.
    """
    names = {f.name for f in schema.agent}, {f.name for f in schema.object}
    if not {"x", "y"} <= names[0] or not {"kind", "x", "y"} <= names[1]:
        return zero_heuristic
    ax, ay = schema.agent_index("x"), schema.agent_index("y")
    adir = schema.agent_index("dir") if "dir" in names[0] else None
    ok, ox, oy = schema.object_index("kind"), schema.object_index("x"), schema.object_index("y")

    def estimate(state: State, mission: Mission) -> int:
        wanted = [k for k in kinds if k in mission.words]
        agent = state.agent
        x, y = int(agent[ax]), int(agent[ay])
        facing = None if adir is None else int(agent[adir])
        costs = [
            _distance(x, y, int(o[ox]), int(o[oy]), facing)
            for o in state.objects
            if o[ok] in wanted and int(o[ox]) >= 0 and int(o[oy]) >= 0
        ]
        return min(costs, default=0)

    return estimate


def _distance(x: int, y: int, gx: int, gy: int, facing: int | None) -> int:
    """Moves plus a lower bound on the turns (directions needed but not faced)."""
    moves = abs(gx - x) + abs(gy - y)
    if facing is None:
        return moves
    needed = {0 if gx > x else 2} if gx != x else set()
    if gy != y:
        needed.add(1 if gy > y else 3)
    return moves + len(needed - {facing})
