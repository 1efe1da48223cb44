"""Tests for worldcoder.envs: MiniGrid, Sokoban and Taxi adapters, registry, collection."""

from __future__ import annotations

import itertools
import json
import random
from collections import deque
from pathlib import Path
from typing import Any

import pytest
from minigrid.core.world_object import Ball

from worldcoder.envs import (
    SUPPORTED_ENVS,
    EnvError,
    JsonState,
    ObjectEnv,
    SokobanEnv,
    bundled_levels_path,
    collect,
    load_levels,
    make_env,
    parse_levels,
    write_jsonl,
)
from worldcoder.envs.minigrid_env import (
    MINIGRID_FAMILIES,
    MiniGridObjectEnv,
    family_env_ids,
    minigrid_env_ids,
)
from worldcoder.envs.sokoban import Level, boxoban_levels_path, level_source, level_text
from worldcoder.envs.taxi import TaxiObjectEnv, taxi_env_ids

BOXOBAN = boxoban_levels_path()
MINIGRID_IDS = minigrid_env_ids()
TAXI_ID = taxi_env_ids()[-1]
DIRS = ((1, 0), (0, 1), (-1, 0), (0, -1))


# ---------------------------------------------------------------- helpers


def assert_json_types(value: Any) -> None:
    """Only dicts with str keys, lists, ints, bools and strings (no numpy scalars)."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert type(key) is str
            assert_json_types(item)
    elif isinstance(value, list):
        for item in value:
            assert_json_types(item)
    else:
        assert type(value) in (int, bool, str), (value, type(value))


def random_episodes(env: ObjectEnv, seed: int, steps: int) -> list[list[JsonState]]:
    """``steps`` random actions in total; one list of states per episode."""
    rng = random.Random(seed)
    episodes = [[env.reset(seed=seed)[0]]]
    for _ in range(steps):
        result = env.step(rng.choice(env.actions))
        episodes[-1].append(result.state)
        if result.terminated or result.truncated:
            episodes.append([env.reset(seed=seed + len(episodes))[0]])
    return episodes


def find(state: JsonState, kind: str) -> int:
    return next(i for i, o in enumerate(state["objects"]) if o["kind"] == kind)


def minigrid_plan_to_face(state: JsonState, target: tuple[int, int]) -> list[str]:
    """BFS over agent poses: actions that leave the agent facing ``target``."""
    blocked = {
        (o["x"], o["y"])
        for o in state["objects"]
        if o["x"] >= 0
        and not (o["kind"] in ("goal", "floor") or (o["kind"] == "door" and o["open"]))
    }
    agent = state["agent"]
    start = (agent["x"], agent["y"], agent["dir"])
    prev: dict[tuple[int, int, int], tuple[tuple[int, int, int], str] | None] = {start: None}
    queue = deque([start])
    while queue:
        pose = queue.popleft()
        x, y, d = pose
        if (x + DIRS[d][0], y + DIRS[d][1]) == target:
            path = []
            while (link := prev[pose]) is not None:
                pose, action = link
                path.append(action)
            return path[::-1]
        ahead = (x + DIRS[d][0], y + DIRS[d][1])
        moves = [((x, y, (d - 1) % 4), "left"), ((x, y, (d + 1) % 4), "right")]
        if ahead not in blocked:
            moves.append(((*ahead, d), "forward"))
        for nxt, action in moves:
            if nxt not in prev:
                prev[nxt] = (pose, action)
                queue.append(nxt)
    raise AssertionError(f"cannot reach {target}")


def sokoban_bfs(level: Level) -> list[str]:
    """Shortest push solution of ``level`` (independent of SokobanEnv)."""
    walls = set(level.walls)
    moves = {"up": (0, -1), "down": (0, 1), "left": (-1, 0), "right": (1, 0)}
    start = (level.player, frozenset(level.boxes))
    prev: dict[Any, Any] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        player, boxes = node
        if boxes == set(level.targets):
            path = []
            while prev[node] is not None:
                node, action = prev[node]
                path.append(action)
            return path[::-1]
        for action, (dx, dy) in moves.items():
            ahead = (player[0] + dx, player[1] + dy)
            if ahead in walls:
                continue
            new_boxes = boxes
            if ahead in boxes:
                beyond = (ahead[0] + dx, ahead[1] + dy)
                if beyond in walls or beyond in boxes:
                    continue
                new_boxes = (boxes - {ahead}) | {beyond}
            nxt = (ahead, new_boxes)
            if nxt not in prev:
                prev[nxt] = (node, action)
                queue.append(nxt)
    raise AssertionError(f"level {level.name} is unsolvable")


def taxi_walls(state: JsonState) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    objects = state["objects"]
    east = {(o["x"], o["y"]) for o in objects if o["kind"] == "wall_east"}
    south = {(o["x"], o["y"]) for o in objects if o["kind"] == "wall_south"}
    return east, south


def taxi_predict(state: JsonState, action: str) -> tuple[int, int]:
    """Where the walls say the taxi ends up after a move."""
    east, south = taxi_walls(state)
    x, y = state["agent"]["x"], state["agent"]["y"]
    blocked = {
        "east": (x, y) in east,
        "west": (x - 1, y) in east,
        "south": (x, y) in south,
        "north": (x, y - 1) in south,
    }
    delta = {"east": (1, 0), "west": (-1, 0), "south": (0, 1), "north": (0, -1)}[action]
    return (x, y) if blocked[action] else (x + delta[0], y + delta[1])


def taxi_drive(env: ObjectEnv, state: JsonState, goal: tuple[int, int]) -> JsonState:
    """Drive the taxi to ``goal`` along a BFS path through the wall objects."""
    start = (state["agent"]["x"], state["agent"]["y"])
    prev: dict[tuple[int, int], tuple[tuple[int, int], str] | None] = {start: None}
    queue = deque([start])
    while queue:
        cell = queue.popleft()
        for action in ("south", "north", "east", "west"):
            probe = {**state, "agent": {"x": cell[0], "y": cell[1]}}
            nxt = taxi_predict(probe, action)
            if nxt not in prev:
                prev[nxt] = (cell, action)
                queue.append(nxt)
    path, cell = [], goal
    while (link := prev[cell]) is not None:
        cell, action = link
        path.append(action)
    for action in reversed(path):
        result = env.step(action)
        assert result.reward == -1
        state = result.state
    assert (state["agent"]["x"], state["agent"]["y"]) == goal
    return state


# ---------------------------------------------------------------- MiniGrid


def test_every_family_has_registered_variants() -> None:
    for family in MINIGRID_FAMILIES:
        assert family_env_ids(family) and set(family_env_ids(family)) <= set(MINIGRID_IDS), family
    assert "MiniGrid-DoorKey-5x5-v0" in SUPPORTED_ENVS
    assert "MiniGrid-Empty-Random-6x6-v0" in SUPPORTED_ENVS
    assert "MiniGrid-MultiRoom-N4-S5-v1" in SUPPORTED_ENVS
    assert "MiniGrid-LockedRoom-v0" in SUPPORTED_ENVS and "MiniGrid-DistShift2-v0" in SUPPORTED_ENVS
    assert not any("Dynamic-Obstacles" in i or "WFC" in i for i in SUPPORTED_ENVS)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("env_id", MINIGRID_IDS)
def test_minigrid_random_steps(env_id: str) -> None:
    env = make_env(env_id)
    try:
        assert env.domain == "minigrid" and env.name == env_id
        assert env.actions == ("left", "right", "forward", "pickup", "drop", "toggle", "done")
        _, mission = env.reset(seed=7)
        assert isinstance(mission, str) and (mission or env_id == "MiniGrid-Playground-v0")
        for episode in random_episodes(env, 7, 30):
            check_minigrid_episode(episode)
    finally:
        env.close()


def check_minigrid_episode(episode: list[JsonState]) -> None:
    first = episode[0]["objects"]
    for state in episode:
        assert_json_types(state)
        assert json.loads(json.dumps(state)) == state
        objects = state["objects"]
        assert [(o["kind"], o["color"]) for o in objects] == [
            (o["kind"], o["color"]) for o in first
        ]
        agent = state["agent"]
        assert set(agent) == {"x", "y", "dir", "carrying"} and 0 <= agent["dir"] <= 3
        for o in objects:
            assert set(o) == {"kind", "color", "x", "y", "open", "locked", "carried"}
            if o["carried"]:
                assert o["x"] == o["y"] == -1 and agent["carrying"] == o["kind"]
        carried = [o for o in objects if o["carried"]]
        assert len(carried) == (agent["carrying"] != "none")


def test_minigrid_doorkey_pickup_and_unlock() -> None:
    env = make_env("MiniGrid-DoorKey-5x5-v0")
    state, mission = env.reset(seed=3)
    assert mission == "use the key to open the door and then get to the goal"
    key, door = find(state, "key"), find(state, "door")
    assert state["objects"][door]["locked"] and not state["objects"][door]["open"]
    for action in minigrid_plan_to_face(
        state, (state["objects"][key]["x"], state["objects"][key]["y"])
    ):
        state = env.step(action).state
    state = env.step("pickup").state
    assert state["agent"]["carrying"] == "key"
    assert state["objects"][key] | {"x": -1, "y": -1, "carried": True} == state["objects"][key]
    door_obj = state["objects"][door]
    for action in minigrid_plan_to_face(state, (door_obj["x"], door_obj["y"])):
        state = env.step(action).state
    result = env.step("toggle")
    assert result.state["objects"][door]["open"] and not result.state["objects"][door]["locked"]
    assert result.state["objects"][door]["x"] == door_obj["x"]
    assert result.reward == 0.0 and not result.terminated
    env.close()


def test_minigrid_reward_is_binarised() -> None:
    env = make_env("MiniGrid-Empty-5x5-v0")
    state, _ = env.reset(seed=0)
    goal = state["objects"][find(state, "goal")]
    result = None
    for action in [*minigrid_plan_to_face(state, (goal["x"], goal["y"])), "forward"]:
        result = env.step(action)
    assert result is not None and result.terminated
    assert 0.0 < result.raw_reward < 1.0 and result.reward == 1.0
    env.close()


def test_minigrid_vanished_and_new_objects() -> None:
    env = make_env("MiniGrid-UnlockPickup-v0")
    assert isinstance(env, MiniGridObjectEnv)
    state, _ = env.reset(seed=0)
    box = find(state, "box")
    grid = env.unwrapped.grid
    grid.set(state["objects"][box]["x"], state["objects"][box]["y"], None)  # as Box.toggle does
    after = env.step("done").state
    assert after["objects"][box] | {"x": -1, "y": -1, "carried": False} == after["objects"][box]
    assert len(after["objects"]) == len(state["objects"])
    intruder = Ball("red")  # type: ignore[no-untyped-call]
    grid.set(state["objects"][box]["x"], state["objects"][box]["y"], intruder)
    with pytest.raises(EnvError, match="not present at reset"):
        env.step("done")
    env.close()


def test_minigrid_max_steps_passthrough() -> None:
    env = make_env("MiniGrid-Empty-8x8-v0", max_steps=3)
    env.reset(seed=0)
    results = [env.step("left") for _ in range(3)]
    assert [r.truncated for r in results] == [False, False, True]
    assert not any(r.terminated for r in results)
    env.close()


# ---------------------------------------------------------------- Sokoban


def test_bundled_levels_are_small_and_solvable() -> None:
    levels = load_levels(bundled_levels_path())
    assert len(levels) == 6  # level 5 starts with a box on a target (pushed off)
    for index, level in enumerate(levels):
        assert level.width <= 7 and level.height <= 7 and 1 <= len(level.boxes) <= 2
        solution = sokoban_bfs(level)
        assert len(solution) < 15
        env = make_env("Sokoban", level=index)
        state, mission = env.reset(seed=123)
        assert mission == "push every box onto a target"
        assert (state["agent"]["x"], state["agent"]["y"]) == level.player
        results = [env.step(action) for action in solution]
        assert [r.terminated for r in results] == [False] * (len(solution) - 1) + [True]
        assert results[-1].reward == 1.0 == results[-1].raw_reward
        assert all(r.reward == 0.0 for r in results[:-1])
        env.close()


def test_sokoban_default_is_bundled_level_zero() -> None:
    env = make_env("Sokoban")
    level0 = load_levels(bundled_levels_path())[0]
    for seed in (0, 5):
        state, _ = env.reset(seed=seed)
        assert (state["agent"]["x"], state["agent"]["y"]) == level0.player


def test_sokoban_push_and_blocking() -> None:
    (level,) = parse_levels("; t\n########\n#@$ $..#\n########\n")
    env = SokobanEnv([level])
    env.reset(seed=0)
    _, reward, terminated, _, _ = env.step(3)  # right: pushes the first box
    assert env.boxes == ((3, 1), (4, 1)) and env.player == (2, 1)
    assert reward == 0.0 and not terminated
    env.step(3)  # box into box: nothing moves
    assert env.boxes == ((3, 1), (4, 1)) and env.player == (2, 1)
    env.step(0)  # into a wall: nothing
    assert env.player == (2, 1)
    assert env.render_text() == "########\n# @$$..#\n########"


def test_sokoban_state_order_and_slots() -> None:
    env = make_env("Sokoban", level=1)
    state, _ = env.reset()
    kinds = [o["kind"] for o in state["objects"]]
    assert kinds == sorted(kinds, key=["wall", "target", "box"].index)
    walls = [(o["y"], o["x"]) for o in state["objects"] if o["kind"] == "wall"]
    assert walls == sorted(walls)
    box = find(state, "box")
    moved = env.step("up").state
    assert moved["objects"][box]["y"] == state["objects"][box]["y"] - 1
    assert len(moved["objects"]) == len(state["objects"])
    assert_json_types(moved)


def test_sokoban_truncation_and_step_penalty() -> None:
    (level,) = parse_levels("; t\n#####\n#@$.#\n#####\n")
    env = SokobanEnv([level], max_steps=2, step_penalty=-0.1)
    env.reset()
    _, r1, _, trunc1, _ = env.step(2)
    _, r2, _, trunc2, _ = env.step(2)
    assert (r1, r2, trunc1, trunc2) == (-0.1, -0.1, False, True)
    adapter = make_env("Sokoban", max_steps=1)
    adapter.reset()
    assert adapter.step("up").truncated


def test_render_text_round_trips_level() -> None:
    text = bundled_levels_path().read_text().split("; 1")[0]
    rows = [line for line in text.splitlines()[1:] if line.strip()]
    (level,) = parse_levels(text)
    assert level_text(level, level.player, level.boxes) == "\n".join(rows)


def test_boxoban_file() -> None:
    """The Boxoban test file shipped in the package, with its license, by path or by name."""
    levels = load_levels(BOXOBAN)
    assert len(levels) == 1000
    assert [lv.name for lv in levels[:3]] == ["0", "1", "2"] and levels[-1].name == "999"
    assert all(len(lv.boxes) == len(lv.targets) == 4 for lv in levels)
    assert all(lv.width == lv.height == 10 for lv in levels)
    assert (BOXOBAN.parent / "LICENSE").read_text().split()[:3] == ["Apache", "License", "Version"]
    env = make_env("Sokoban", level_file=str(BOXOBAN), level=999)
    state, _ = env.reset(seed=0)
    assert (state["agent"]["x"], state["agent"]["y"]) == levels[999].player
    by_seed = make_env("Sokoban", level_file="boxoban")  # the shipped set, by name
    state, _ = by_seed.reset(seed=1234)
    assert (state["agent"]["x"], state["agent"]["y"]) == levels[234].player
    assert sum(o["kind"] == "box" for o in state["objects"]) == 4


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("; a\n#####\n# $.#\n#####\n", 1, "no player"),
        ("; a\n#####\n#@$.#\n#@  #\n#####\n", 4, "second player"),
        ("; a\n######\n#@$$.#\n######\n", 1, "2 boxes but 1 targets"),
        ("; a\n#####\n#@$.#\n##x##\n", 4, "unknown character 'x' at column 3"),
        ("; a\n#####\n#@$.#\n#####\n\n; b\n####\n#@ #\n####\n", 6, "no boxes"),
        ("#####\n", 1, "a '; N' header line must come first"),
    ],
)
def test_parser_errors_are_located(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    path = tmp_path / "levels.txt"
    path.write_text(text)
    with pytest.raises(EnvError) as info:
        load_levels(path)
    assert str(info.value).startswith(f"{path}:{line}: ")
    assert fragment in str(info.value)


def test_sokoban_bad_level_options(tmp_path: Path) -> None:
    with pytest.raises(EnvError, match="out of range"):
        make_env("Sokoban", level=6)
    with pytest.raises(EnvError, match="cannot read level file"):
        make_env("Sokoban", level_file=str(tmp_path / "missing.txt"))
    ragged = tmp_path / "ragged.txt"
    ragged.write_text("; r\n####\n#@$.#\n#####\n")
    (level,) = load_levels(ragged)
    assert level.width == 5 and level.height == 3


# ---------------------------------------------------------------- Taxi


def test_taxi_state_layout() -> None:
    env = make_env(TAXI_ID)
    state, mission = env.reset(seed=0)
    assert mission == "deliver the passenger to the destination"
    assert env.actions == ("south", "north", "east", "west", "pickup", "dropoff")
    kinds = [o["kind"] for o in state["objects"]]
    assert kinds[:6] == ["passenger", "destination"] + ["landmark"] * 4
    assert [(o["x"], o["y"]) for o in state["objects"][2:6]] == [(0, 0), (4, 0), (0, 4), (3, 4)]
    east, south = taxi_walls(state)
    assert {(-1, y) for y in range(5)} | {(4, y) for y in range(5)} <= east
    assert south == {(x, -1) for x in range(5)} | {(x, 4) for x in range(5)}
    assert east - {(-1, y) for y in range(5)} - {(4, y) for y in range(5)} == {
        (1, 0),
        (1, 1),
        (0, 3),
        (2, 3),
        (0, 4),
        (2, 4),
    }
    assert all(set(o) == {"kind", "x", "y", "in_taxi"} for o in state["objects"])
    assert_json_types(state)


def test_taxi_walls_match_real_movement_on_random_steps() -> None:
    env = make_env(TAXI_ID)
    rng = random.Random(0)
    checked = 0
    for episode in range(6):
        state, _ = env.reset(seed=episode)
        for _ in range(200):
            action = rng.choice(env.actions[:4])
            result = env.step(action)
            assert (result.state["agent"]["x"], result.state["agent"]["y"]) == taxi_predict(
                state, action
            )
            assert result.reward == -1 and len(result.state["objects"]) == len(state["objects"])
            checked += 1
            state = result.state
            if result.truncated:
                break
    assert checked > 500


def test_taxi_walls_match_transition_table() -> None:
    env = make_env(TAXI_ID)
    assert isinstance(env, TaxiObjectEnv)
    raw = env.unwrapped
    state, _ = env.reset(seed=0)
    for row in range(5):
        for col in range(5):
            for action_index, action in enumerate(env.actions[:4]):
                encoded = raw.encode(row, col, 0, 1)  # type: ignore[no-untyped-call]
                ((_, nxt, _, _),) = raw.P[encoded][action_index]
                new_row, new_col, _, _ = raw.decode(nxt)
                probe = {**state, "agent": {"x": col, "y": row}}
                assert (new_col, new_row) == taxi_predict(probe, action)


def test_taxi_delivery_and_wrong_landmark_dropoff() -> None:
    env = make_env(TAXI_ID)
    state, _ = env.reset(seed=5)
    passenger, destination = state["objects"][0], state["objects"][1]
    state = taxi_drive(env, state, (passenger["x"], passenger["y"]))
    result = env.step("pickup")
    assert result.reward == -1
    assert result.state["objects"][0] == {"kind": "passenger", "x": -1, "y": -1, "in_taxi": True}
    assert env.step("pickup").reward == -10
    # drop at another landmark: passenger stays there, -1, not terminal
    other = next(
        o for o in state["objects"][2:6] if (o["x"], o["y"]) != (destination["x"], destination["y"])
    )
    state = taxi_drive(env, result.state, (other["x"], other["y"]))
    dropped = env.step("dropoff")
    assert dropped.reward == -1 and not dropped.terminated
    assert dropped.state["objects"][0] == {**other, "kind": "passenger"}
    assert env.step("pickup").reward == -1
    state = taxi_drive(env, dropped.state, (destination["x"], destination["y"]))
    delivered = env.step("dropoff")
    assert delivered.reward == 20 == delivered.raw_reward and delivered.terminated
    assert delivered.state["objects"][0] == {**destination, "kind": "passenger"}
    env.close()


# ---------------------------------------------------------------- registry and collection


def test_unknown_env_names_three_nearest_and_the_listing_command() -> None:
    with pytest.raises(EnvError) as info:
        make_env("MiniGrid-DoorKey-v0")
    message = str(info.value)
    assert message == (
        "unknown environment 'MiniGrid-DoorKey-v0'; nearest supported: MiniGrid-DoorKey-5x5-v0, "
        "MiniGrid-DoorKey-6x6-v0, MiniGrid-DoorKey-8x8-v0 (worldcoder envs lists them all)"
    )


def test_bad_options_and_actions() -> None:
    with pytest.raises(EnvError, match="only apply to Sokoban"):
        make_env("MiniGrid-Empty-5x5-v0", level=1)
    with pytest.raises(EnvError, match="positive"):
        make_env(TAXI_ID, max_steps=0)
    env = make_env("Sokoban")
    with pytest.raises(EnvError, match="reset"):
        env.step("up")
    env.reset()
    with pytest.raises(EnvError, match="valid actions: up, down, left, right"):
        env.step("jump")


def test_collect_and_write_jsonl(tmp_path: Path) -> None:
    records = list(collect("Sokoban", 3, seed=4, max_steps=10, level=1))
    again = list(collect("Sokoban", 3, seed=4, max_steps=10, level=1))
    assert records == again and records
    keys = {
        "state",
        "action",
        "next_state",
        "reward",
        "done",
        "mission",
        "raw_reward",
        "truncated",
        "episode",
        "step",
        "env",
    }
    assert all(set(r) == keys for r in records)
    assert sorted({r["episode"] for r in records}) == [0, 1, 2]
    for prev, cur in itertools.pairwise(records):
        if cur["episode"] == prev["episode"]:
            assert cur["step"] == prev["step"] + 1 and cur["state"] == prev["next_state"]
        else:
            assert prev["done"] or prev["truncated"]
            assert cur["step"] == 0
    path = tmp_path / "out.jsonl"
    assert write_jsonl(records, path) == len(records)
    lines = path.read_text().splitlines()
    assert [json.loads(line) for line in lines] == records


def test_collect_minigrid_and_taxi_records_are_json() -> None:
    for env_id in ("MiniGrid-DoorKey-5x5-v0", TAXI_ID):
        records = list(collect(env_id, 1, seed=0, max_steps=15))
        assert len(records) <= 15 and records[0]["env"] == env_id
        for record in records:
            assert json.loads(json.dumps(record)) == record


def test_level_set_names_and_a_missing_file() -> None:
    assert load_levels(bundled_levels_path()) == load_levels(level_source("bundled"))
    assert level_source("./boxoban") == Path("boxoban")  # a path, not the set
    with pytest.raises(EnvError, match="shipped level set: bundled, boxoban"):
        make_env("Sokoban", level_file="boxoban-typo")
