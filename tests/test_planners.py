"""The explicit-state planners (BFS, A*, MCTS) on the reference MiniGrid model and real starts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest

from dsl.check import check_file
from dsl.compile import CompiledModel, compile_program
from dsl.values import Mission, State, state_from_json
from plan import Search, astar_plan, bfs_plan, manhattan_heuristic, mcts_plan
from worldcoder.envs import make_env

MODEL = Path(__file__).resolve().parents[1] / "models" / "minigrid.wc"
STARTS = [("MiniGrid-Empty-5x5-v0", s) for s in (0, 1)] + [
    ("MiniGrid-DoorKey-5x5-v0", s) for s in (0, 1, 2)
]


@cache
def model() -> CompiledModel:
    return compile_program(check_file(MODEL))


def start(env_id: str, seed: int) -> tuple[State, Mission]:
    env = make_env(env_id)
    state, mission = env.reset(seed=seed)
    env.close()
    return state_from_json(model().program.schema, state), Mission.of(mission)


def reaches_reward(env_id: str, seed: int, plan: tuple[str, ...]) -> bool:
    """Execute the plan in the real environment; True when its last step ends it with reward."""
    env = make_env(env_id)
    env.reset(seed=seed)
    try:
        for i, action in enumerate(plan):
            out = env.step(action)
            if out.terminated or out.truncated:
                return i == len(plan) - 1 and out.reward > 0
        return False
    finally:
        env.close()


@pytest.mark.parametrize(("env_id", "seed"), STARTS)
def test_astar_finds_a_shortest_plan_that_works_in_the_real_env(env_id: str, seed: int) -> None:
    state, mission = start(env_id, seed)
    shortest = bfs_plan(model(), state, mission, 40)
    assert shortest.status == "sat"
    for heuristic in (None, manhattan_heuristic(model().program.schema)):
        found = (
            astar_plan(model(), state, mission, 40)
            if heuristic is None
            else astar_plan(model(), state, mission, 40, heuristic=heuristic)
        )
        assert found.status == "sat"
        assert len(found.plan) == len(shortest.plan)
        assert reaches_reward(env_id, seed, found.plan)
        if heuristic is not None:
            assert heuristic(state, mission) <= len(shortest.plan)  # admissible at the start
            assert found.expanded <= shortest.expanded


@pytest.mark.parametrize(("env_id", "seed"), STARTS)
def test_mcts_finds_a_plan_that_works_in_the_real_env(env_id: str, seed: int) -> None:
    state, mission = start(env_id, seed)
    found = mcts_plan(model(), state, mission, 40, seed=seed, timeout=8)
    assert found.status == "sat", found.reason
    assert len(found.plan) <= 40
    assert reaches_reward(env_id, seed, found.plan)
    assert len(found.plan) >= len(bfs_plan(model(), state, mission, 40).plan)


def test_mcts_is_deterministic_for_a_seed() -> None:
    state, mission = start("MiniGrid-DoorKey-5x5-v0", 2)
    runs = [mcts_plan(model(), state, mission, 40, seed=7) for _ in range(2)]
    assert runs[0] == runs[1]


def unreachable(env_id: str) -> tuple[State, Mission]:
    """A start whose goal square is off the grid: no plan exists at any horizon."""
    state, mission = start(env_id, 0)
    kind, x, y = (model().program.schema.object_index(f) for f in ("kind", "x", "y"))
    objects = []
    for o in state.objects:
        moved = list(o)
        if o[kind] == "goal":
            moved[x] = moved[y] = -1
        objects.append(tuple(moved))
    return replace(state, objects=tuple(objects)), mission


def test_mcts_answers_unknown_when_a_tiny_budget_ends_without_reward() -> None:
    state, mission = unreachable("MiniGrid-Empty-5x5-v0")
    found = mcts_plan(model(), state, mission, 40, max_nodes=300)
    assert found == Search("unknown", (), found.expanded, found.reason)
    assert found.expanded <= 300 + 40  # the budget is checked between simulations
    assert "budget" in found.reason


def test_bfs_and_astar_prove_the_unreachable_goal_unsat() -> None:
    state, mission = unreachable("MiniGrid-Empty-5x5-v0")
    heuristic = manhattan_heuristic(model().program.schema)
    assert bfs_plan(model(), state, mission, 12).status == "unsat"
    assert astar_plan(model(), state, mission, 12, heuristic=heuristic).status == "unsat"


def test_zero_horizon_has_no_plan() -> None:
    state, mission = start("MiniGrid-Empty-5x5-v0", 0)
    assert mcts_plan(model(), state, mission, 0).status == "unsat"
    assert astar_plan(model(), state, mission, 0).status == "unsat"


def test_the_manhattan_heuristic_counts_moves_and_turns_only_for_goal_missions() -> None:
    state, mission = start("MiniGrid-Empty-5x5-v0", 0)  # agent (1, 1) facing east, goal (3, 3)
    h = manhattan_heuristic(model().program.schema)
    assert h(state, mission) == 4 + 1  # two moves east, two south, at least one turn
    assert h(state, Mission.of("pick up the key")) == 0


@pytest.mark.parametrize("plan", [bfs_plan, astar_plan])
def test_bfs_and_astar_answer_unknown_when_their_budget_ends(plan: Callable[..., Search]) -> None:
    state, mission = unreachable("MiniGrid-DoorKey-5x5-v0")  # unsat, given the budget
    by_nodes = plan(model(), state, mission, 40, max_nodes=5)
    assert by_nodes == Search("unknown", (), 6, "node budget of 5 exhausted")
    by_clock = plan(model(), state, mission, 40, timeout=0.0)  # the clock is read every 256
    assert by_clock == Search("unknown", (), 256, "time limit of 0 s reached")


@pytest.mark.parametrize(("env_id", "seed"), [*STARTS, ("MiniGrid-DoorKey-8x8-v0", 0)])
def test_flat_and_state_keyed_searches_agree(env_id: str, seed: int) -> None:
    """BFS and A* on the generated code's flat states (`CompiledModel.expansion`) find the same
    plans after the same number of expansions as on `State`s (closures backend), also when the
    goal is out of reach: the flat form tells states apart exactly as `State` equality does."""
    closures = compile_program(model().program, "closures")
    heuristic = manhattan_heuristic(model().program.schema)
    searches = [
        lambda m, s, g: bfs_plan(m, s, g, 60),
        lambda m, s, g: astar_plan(m, s, g, 60, heuristic=heuristic),
    ]
    for (state, mission), status in ((start(env_id, seed), "sat"), (unreachable(env_id), "unsat")):
        for search in searches:
            flat = search(model(), state, mission)
            assert flat == search(closures, state, mission)
            assert flat.status == status
