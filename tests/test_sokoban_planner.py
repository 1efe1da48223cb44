"""solver.sokoban: the push planner on the reference Sokoban model, plans checked in the real env;
dead squares, the heuristic's admissibility and the planner's completeness against BFS on small
random levels; the region transposition table."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsl.check import check_file
from dsl.compile import CompiledModel, compile_program
from dsl.values import Mission, State, state_from_json
from plan import Search, bfs_plan, dead_squares, sokoban_heuristic, sokoban_plan
from worldcoder.envs.sokoban import (
    SOKOBAN_ACTIONS,
    SOKOBAN_MISSION,
    Level,
    SokobanEnv,
    boxoban_levels_path,
    bundled_levels_path,
    load_levels,
    parse_levels,
)

ROOT = Path(__file__).resolve().parents[1]
BOXOBAN = boxoban_levels_path()
MISSION = Mission.of(SOKOBAN_MISSION)


@cache
def model() -> CompiledModel:
    return compile_program(check_file(ROOT / "models" / "sokoban.wc"))


def start(level: Level) -> State:
    env = SokobanEnv([level], 0)
    env.reset()
    return state_from_json(model().program.schema, env.object_state())


def solves(level: Level, plan: tuple[str, ...]) -> bool:
    """Run the plan in the real env: True when its last action, and only it, solves the level."""
    env = SokobanEnv([level], 0, max_steps=len(plan) + 1)
    env.reset()
    for i, action in enumerate(plan):
        _, reward, terminated, _, _ = env.step(SOKOBAN_ACTIONS.index(action))
        if terminated:
            return reward > 0 and i == len(plan) - 1
    return False


def pushes(plan: tuple[str, ...], state: State) -> int:
    """How many actions of the plan move a box, in the reference model."""
    count = 0
    for action in plan:
        nxt = model().next_state(state, action, MISSION)
        count += nxt.objects != state.objects
        state = nxt
    return count


def test_solves_every_bundled_level_in_the_real_env() -> None:
    for level in load_levels(bundled_levels_path()):
        found = sokoban_plan(model(), start(level), MISSION, max_nodes=200, timeout=20)
        assert found.status == "sat", (level.name, found)
        assert solves(level, found.plan), level.name


def test_solves_boxoban_levels_within_small_budgets() -> None:
    levels = load_levels(BOXOBAN)
    for index in (0, 1, 2, 3, 9):
        found = sokoban_plan(model(), start(levels[index]), MISSION, max_nodes=2_000, timeout=20)
        assert found.status == "sat", (index, found)
        assert solves(levels[index], found.plan), index
        assert found.expanded <= 200, (index, found.expanded)


def test_region_transpositions_expand_fewer_nodes() -> None:
    level = load_levels(BOXOBAN)[7]
    merged = sokoban_plan(model(), start(level), MISSION, timeout=20)
    by_cell = sokoban_plan(model(), start(level), MISSION, timeout=20, merge_regions=False)
    assert merged.status == by_cell.status == "sat"
    assert merged.expanded < by_cell.expanded
    assert pushes(merged.plan, start(level)) == pushes(by_cell.plan, start(level))


def test_budget_and_horizon_are_kept() -> None:
    level = load_levels(BOXOBAN)[1]
    assert sokoban_plan(model(), start(level), MISSION, max_nodes=3).status == "unknown"
    short = sokoban_plan(model(), start(level), MISSION, horizon=10)
    assert short == Search("unsat", (), short.expanded)


DEAD_LEVEL = """; dead
#######
#     #
# $ . #
#@    #
#######
"""


def test_dead_squares_of_a_hand_made_level() -> None:
    level = parse_levels(DEAD_LEVEL)[0]
    dead = dead_squares(level.walls, level.targets, level.width, level.height)
    floor = {(x, y) for x in range(1, 6) for y in range(1, 4)}
    assert dead == floor - {(2, 2), (3, 2), (4, 2)}


def test_a_box_on_a_dead_square_makes_the_level_unsat() -> None:
    level = parse_levels(DEAD_LEVEL.replace("# $ . #", "#   . #").replace("#     #", "#$    #"))[0]
    found = sokoban_plan(model(), start(level), MISSION)
    assert found == Search("unsat", (), found.expanded)
    assert sokoban_heuristic(model().program.schema, start(level))(start(level), MISSION) >= 1 << 30


@st.composite
def small_levels(draw: st.DrawFn) -> Level:
    """A 4x3 room inside a border wall with a few inner walls, 1-2 boxes and as many targets."""
    cells = [(x, y) for y in range(1, 4) for x in range(1, 5)]
    order = draw(st.permutations(cells))
    boxes = draw(st.integers(1, 2))
    walls = draw(st.integers(0, 2))
    player, box_cells = order[0], order[1 : 1 + boxes]
    targets = draw(st.lists(st.sampled_from(cells), min_size=boxes, max_size=boxes, unique=True))
    inner = [c for c in order[1 + boxes : 1 + boxes + walls] if c not in targets]
    rows = []
    for y in range(5):
        row = ""
        for x in range(6):
            c = (x, y)
            border = x in (0, 5) or y in (0, 4)
            if border or c in inner:
                row += "#"
            elif c == player:
                row += "+" if c in targets else "@"
            elif c in box_cells:
                row += "*" if c in targets else "$"
            else:
                row += "." if c in targets else " "
        rows.append(row)
    return parse_levels("; random\n" + "\n".join(rows) + "\n")[0]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_levels())
def test_heuristic_is_admissible_and_planner_complete_on_small_levels(level: Level) -> None:
    state = start(level)
    if set(level.boxes) == set(level.targets):
        return  # already solved: there is no rewarding first push to look for
    shortest = bfs_plan(model(), state, MISSION, 200, timeout=30)
    found = sokoban_plan(model(), state, MISSION, timeout=30)
    estimate = sokoban_heuristic(model().program.schema, state)(state, MISSION)
    assert shortest.status in ("sat", "unsat") and found.status == shortest.status
    if shortest.status == "sat":
        assert estimate <= pushes(shortest.plan, state) <= len(shortest.plan)
        assert pushes(found.plan, state) <= pushes(shortest.plan, state)
        assert solves(level, found.plan)
