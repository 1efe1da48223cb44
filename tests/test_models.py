"""The reference models in models/: well-formed, exact against the real environments, and right
about the key dynamics of each domain.

Three kinds of test:

* the files check, are canonical (`worldcoder fmt` leaves them unchanged) and keep their roles
  (the prelude is schema-free, the priors declare a schema and helpers but no dynamics);
* replay: random-policy episodes of every family through the real environment, plus scripted
  situations built inside the real environment (the agent is placed in front of a key, a door,
  a goal, ...) so that success and failure transitions are covered; every prediction of the
  compiled model must equal the environment's next state, reward and done;
* hand-written states fed to the reference interpreter, one assertion per rule.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path
from typing import Any

import pytest

from dsl import core as C
from dsl.check import check_file
from dsl.compile import BACKENDS, compile_program
from dsl.interp import run_step
from dsl.parse import parse_file
from dsl.pretty import pretty
from dsl.values import Mission, Outcome, state_from_json, state_to_json
from tests.typed_programs import expansion_agrees
from worldcoder.envs import bundled_levels_path, collect, make_env
from worldcoder.envs.minigrid_env import MINIGRID_FAMILIES, MiniGridObjectEnv, family_env_ids
from worldcoder.envs.sokoban import boxoban_levels_path
from worldcoder.validate import compare, predictor

MODELS = Path(__file__).resolve().parents[1] / "models"
BOXOBAN = boxoban_levels_path()
DIRS = ((1, 0), (0, 1), (-1, 0), (0, -1))
JsonState = dict[str, Any]


@pytest.fixture(scope="module")
def minigrid() -> C.Program:
    return check_file(MODELS / "minigrid.wc")


@pytest.fixture(scope="module")
def sokoban() -> C.Program:
    return check_file(MODELS / "sokoban.wc")


@pytest.fixture(scope="module")
def taxi() -> C.Program:
    return check_file(MODELS / "taxi.wc")


# ----------------------------------------------------------------------------- the files

ALL_FILES = (
    "prelude", "minigrid_prior", "minigrid", "sokoban_prior", "sokoban", "taxi_prior", "taxi",
    "minigrid_well_formed", "sokoban_well_formed", "taxi_well_formed",
)  # fmt: skip


@pytest.mark.parametrize("name", ALL_FILES)
def test_file_checks_and_is_canonical(name: str) -> None:
    path = MODELS / f"{name}.wc"
    check_file(path)
    assert pretty(parse_file(path)) == path.read_text(), f"run `worldcoder fmt --in-place {path}`"


def test_prelude_is_schema_free() -> None:
    program = check_file(MODELS / "prelude.wc")
    assert program.schema.agent == () and program.schema.object == ()
    assert program.schema.action is None and not program.has_transition
    assert {
        "dx",
        "dy",
        "front_x",
        "front_y",
        "turn_left",
        "turn_right",
        "manhattan",
        "adjacent",
    } <= {f.name for f in program.functions}


@pytest.mark.parametrize("domain", ["minigrid", "sokoban", "taxi"])
def test_prior_declares_schema_and_helpers_only(domain: str) -> None:
    prior = check_file(MODELS / f"{domain}_prior.wc")
    model = check_file(MODELS / f"{domain}.wc")
    assert not prior.has_transition and prior.reward is None and prior.done is None
    assert prior.schema.agent == model.schema.agent
    assert prior.schema.object == model.schema.object
    assert prior.schema.action == model.schema.action
    assert model.has_transition and model.reward is not None and model.done is not None


def test_minigrid_schema_matches_adapter() -> None:
    from worldcoder.envs.minigrid_env import MINIGRID_ACTIONS, MINIGRID_KINDS

    schema = check_file(MODELS / "minigrid_prior.wc").schema
    kind = schema.enum("Kind")
    assert kind is not None and kind.members == ("none", *MINIGRID_KINDS)
    assert schema.action is not None and schema.actions == MINIGRID_ACTIONS


# ----------------------------------------------------------------------------- replay helpers


def family_envs(family: str) -> list[str]:
    """Every registered variant of a MiniGrid family."""
    return list(family_env_ids(family))


def mismatches(program: C.Program, records: Any) -> list[str]:
    predict = predictor(program)
    out = []
    for rec in records:
        diffs = compare(program.schema, predict, rec)
        if diffs:
            out.append(
                f"{rec['env']} ep {rec['episode']} step {rec['step']} {rec['action']}: {diffs}"
            )
    return out


def multiroom_shares_walls() -> bool:
    """MultiRoom draws every wall with one shared `Wall` instance; an adapter that tracks
    objects by identity then reports all walls but one at (-1, -1)."""
    env = make_env("MiniGrid-MultiRoom-N2-S4-v0")
    state, _ = env.reset(seed=0)
    env.close()
    return any(o["x"] < 0 and not o["carried"] for o in state["objects"])


def unmoved(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The steps before any object left its reset cell. GoToObject rewards `done` next to where
    the target was at reset (`target_pos`), which the state no longer shows once it has moved."""
    out: list[dict[str, Any]] = []
    home: dict[tuple[str, int], list[tuple[int, int]]] = {}
    for rec in records:
        cells = [(o["x"], o["y"]) for o in rec["state"]["objects"]]
        start = home.setdefault((rec["env"], rec["episode"]), cells)
        after = [(o["x"], o["y"]) for o in rec["next_state"]["objects"]]
        if cells == start and after == start:
            out.append(rec)
    return out


@pytest.mark.parametrize("family", MINIGRID_FAMILIES)
def test_minigrid_model_replays_random_episodes(minigrid: C.Program, family: str) -> None:
    if family == "MultiRoom" and multiroom_shares_walls():
        pytest.xfail("adapter bug: MultiRoom's shared Wall instance is tracked as one object")
    records = [r for env_id in family_envs(family) for r in collect(env_id, 3, 7, max_steps=40)]
    if family == "GoToObject":
        records = unmoved(records)
    assert records
    assert mismatches(minigrid, records) == []


@pytest.mark.parametrize("level_file", [str(bundled_levels_path()), str(BOXOBAN)])
def test_sokoban_model_replays_random_episodes(sokoban: C.Program, level_file: str) -> None:
    assert mismatches(sokoban, collect("Sokoban", 8, 3, max_steps=50, level_file=level_file)) == []


def test_taxi_model_replays_random_episodes(taxi: C.Program) -> None:
    assert mismatches(taxi, collect("Taxi-v4", 10, 5, max_steps=60)) == []


@pytest.mark.parametrize(
    ("name", "env_id"),
    [("minigrid", "MiniGrid-DoorKey-8x8-v0"), ("minigrid", "MiniGrid-Fetch-8x8-N3-v0"),
     ("minigrid", "MiniGrid-PutNear-8x8-N3-v0"), ("minigrid", "MiniGrid-RedBlueDoors-8x8-v0"),
     ("sokoban", "Sokoban"), ("taxi", "Taxi-v4")],
)  # fmt: skip
def test_backends_agree_with_the_interpreter_on_real_states(name: str, env_id: str) -> None:
    """Every action from states of random real episodes: the generated code, the closures and
    the interpreter predict the same outcome, `next_state` / `outcome` agree with `step`, and so
    do the planners' successors (`expansion`: flat states), two steps deep from a few states."""
    program = check_file(MODELS / f"{name}.wc")
    models = [compile_program(program, backend) for backend in BACKENDS]
    records = list(collect(env_id, 3, 11, max_steps=40))
    assert len(records) >= 10
    for n, rec in enumerate(records):
        state = state_from_json(program.schema, rec["state"])
        mission = Mission.of(rec["mission"])
        expected = [run_step(program, state, a, mission) for a in program.schema.actions]
        for model in models:
            space = model.expansion(mission)
            succ = [Outcome(space.state(k), r, d) for k, r, d in space.successors(space.key(state))]
            assert succ == expected, model.backend
            for action, out in zip(program.schema.actions, expected, strict=True):
                assert model.step(state, action, mission) == out, (model.backend, action)
                nxt = model.next_state(state, action, mission)
                assert model.outcome(state, action, nxt, mission) == (out.reward, out.done)
        if n % 10 == 0:
            expansion_agrees(program, models[BACKENDS.index("codegen")], state, mission)


# ----------------------------------------------------------------------------- scripted MiniGrid


class Scene:
    """A real MiniGrid episode in which the test places the agent, then acts; every step is
    checked against the model and the outcomes are kept for assertions."""

    def __init__(self, program: C.Program, env_id: str, seed: int) -> None:
        self.program = program
        self.predict = predictor(program)
        self.env = MiniGridObjectEnv(env_id)
        self.state, self.mission = self.env.reset(seed=seed)

    def objects(self, kind: str, color: str | None = None) -> list[JsonState]:
        return [
            o
            for o in self.state["objects"]
            if o["kind"] == kind and (color is None or o["color"] == color) and o["x"] >= 0
        ]

    def face(self, x: int, y: int) -> None:
        """Put the agent on a free cell next to (x, y), facing it."""
        taken = {(o["x"], o["y"]) for o in self.state["objects"] if o["x"] >= 0}
        for d, (dx, dy) in enumerate(DIRS):
            ax, ay = x - dx, y - dy
            inside = (
                0 < ax < self.env.unwrapped.width - 1 and 0 < ay < self.env.unwrapped.height - 1
            )
            if inside and (ax, ay) not in taken:
                self.env.unwrapped.agent_pos = (ax, ay)
                self.env.unwrapped.agent_dir = d
                self.state = self.env.state()
                return
        raise AssertionError(f"no free cell next to ({x}, {y})")

    def act(self, action: str) -> tuple[float, bool]:
        result = self.env.step(action)
        rec = {
            "state": self.state, "action": action, "next_state": result.state,
            "reward": result.reward, "done": result.terminated, "mission": self.mission,
        }  # fmt: skip
        diffs = compare(self.program.schema, self.predict, rec)
        assert diffs == (), f"{self.env.name} {action}: {diffs}"
        self.state = result.state
        return result.reward, result.terminated

    def drop_somewhere(self) -> None:
        """Drop what the agent carries on a free cell that does not touch a door."""
        taken = {(o["x"], o["y"]) for o in self.state["objects"] if o["x"] >= 0}
        doors = [(o["x"], o["y"]) for o in self.objects("door")]
        u = self.env.unwrapped
        for x in range(1, u.width - 1):
            for y in range(1, u.height - 1):
                if (x, y) in taken or any(abs(x - a) + abs(y - b) <= 1 for a, b in doors):
                    continue
                try:
                    self.face(x, y)
                except AssertionError:
                    continue
                assert self.act("drop") == (0.0, False)
                return
        raise AssertionError("nowhere to drop")


def test_doorkey_key_opens_locked_door_then_goal(minigrid: C.Program) -> None:
    scene = Scene(minigrid, "MiniGrid-DoorKey-5x5-v0", 1)
    door = scene.objects("door")[0]
    scene.face(door["x"], door["y"])
    assert scene.act("toggle") == (0.0, False)  # locked, no key: nothing happens
    assert scene.objects("door")[0]["locked"]
    key = scene.objects("key")[0]
    scene.face(key["x"], key["y"])
    assert scene.act("pickup") == (0.0, False)
    assert scene.state["agent"]["carrying"] == "key"
    scene.face(door["x"], door["y"])
    assert scene.act("forward") == (0.0, False)  # a locked door blocks
    assert scene.act("toggle") == (0.0, False)
    opened = scene.objects("door")[0]
    assert opened["open"] and not opened["locked"]
    goal = scene.objects("goal")[0]
    scene.face(goal["x"], goal["y"])
    assert scene.act("forward") == (1.0, True)


def test_lava_ends_the_episode_without_reward(minigrid: C.Program) -> None:
    scene = Scene(minigrid, "MiniGrid-LavaGapS5-v0", 0)
    lava = scene.objects("lava")[0]
    scene.face(lava["x"], lava["y"])
    assert scene.act("forward") == (0.0, True)


@pytest.mark.parametrize(
    "env_id",
    ["MiniGrid-UnlockPickup-v0", "MiniGrid-KeyCorridorS4R3-v0", "MiniGrid-BlockedUnlockPickup-v0"],
)
def test_pickup_missions_reward_the_named_object(minigrid: C.Program, env_id: str) -> None:
    scene = Scene(minigrid, env_id, 2)
    words = Mission.of(scene.mission).words
    color, kind = words[-2], words[-1]
    key = scene.objects("key")[0]
    scene.face(key["x"], key["y"])
    assert scene.act("pickup") == (0.0, False)  # the key is not the target
    door = next(o for o in scene.objects("door", key["color"]) if o["locked"])
    scene.face(door["x"], door["y"])
    assert scene.act("toggle") == (0.0, False)
    assert not any(o["locked"] for o in scene.objects("door"))
    scene.drop_somewhere()
    target = scene.objects(kind, color)[0]
    scene.face(target["x"], target["y"])
    assert scene.act("pickup") == (1.0, True)


def test_unlock_rewards_opening_the_door(minigrid: C.Program) -> None:
    scene = Scene(minigrid, "MiniGrid-Unlock-v0", 3)
    key = scene.objects("key")[0]
    scene.face(key["x"], key["y"])
    scene.act("pickup")
    door = scene.objects("door")[0]
    scene.face(door["x"], door["y"])
    assert scene.act("toggle") == (1.0, True)


def test_toggling_a_box_removes_it(minigrid: C.Program) -> None:
    scene = Scene(minigrid, "MiniGrid-UnlockPickup-v0", 4)
    box = scene.objects("box")[0]
    scene.face(box["x"], box["y"])
    assert scene.act("toggle") == (0.0, False)
    gone = next(o for o in scene.state["objects"] if o["kind"] == "box")
    assert (gone["x"], gone["y"], gone["carried"]) == (-1, -1, False)


@pytest.mark.parametrize("right_object", [True, False])
def test_fetch_ends_on_any_pickup(minigrid: C.Program, right_object: bool) -> None:
    for seed in range(20):
        scene = Scene(minigrid, "MiniGrid-Fetch-8x8-N3-v0", seed)
        color, kind = Mission.of(scene.mission).words[-2:]
        pool = [
            o
            for o in scene.state["objects"]
            if o["kind"] in ("key", "ball")
            and ((o["kind"], o["color"]) == (kind, color)) == right_object
        ]
        if pool:
            scene.face(pool[0]["x"], pool[0]["y"])
            assert scene.act("pickup") == (1.0 if right_object else 0.0, True)
            return
    raise AssertionError("no suitable Fetch episode")


def test_gotodoor_done_next_to_the_named_door(minigrid: C.Program) -> None:
    scene = Scene(minigrid, "MiniGrid-GoToDoor-8x8-v0", 5)
    color = Mission.of(scene.mission).words[-2]
    target = scene.objects("door", color)[0]
    scene.face(target["x"], target["y"])
    assert scene.act("done") == (1.0, True)
    scene = Scene(minigrid, "MiniGrid-GoToDoor-8x8-v0", 5)
    other = next(o for o in scene.objects("door") if o["color"] != color)
    scene.face(other["x"], other["y"])
    assert scene.act("done") == (0.0, True)
    scene = Scene(minigrid, "MiniGrid-GoToDoor-8x8-v0", 5)
    assert scene.act("toggle") == (0.0, True)


def test_putnear_drop_next_to_the_target(minigrid: C.Program) -> None:
    scene = Scene(minigrid, "MiniGrid-PutNear-6x6-N2-v0", 6)
    words = Mission.of(scene.mission).words  # put the C1 T1 near the C2 T2
    move = scene.objects(words[3], words[2])[0]
    target = scene.objects(words[7], words[6])[0]
    scene.face(move["x"], move["y"])
    assert scene.act("pickup") == (0.0, False)
    taken = {(o["x"], o["y"]) for o in scene.state["objects"] if o["x"] >= 0}
    spots = [
        (target["x"] + i, target["y"] + j)
        for i in (-1, 0, 1)
        for j in (-1, 0, 1)
        if (target["x"] + i, target["y"] + j) not in taken
    ]
    for spot in spots:
        try:
            scene.face(*spot)
        except AssertionError:
            continue
        assert scene.act("drop") == (1.0, True)
        return
    raise AssertionError("no free cell next to the target")


def test_redbluedoors_order_matters(minigrid: C.Program) -> None:
    scene = Scene(minigrid, "MiniGrid-RedBlueDoors-6x6-v0", 0)
    red, blue = scene.objects("door", "red")[0], scene.objects("door", "blue")[0]
    scene.face(red["x"], red["y"])
    assert scene.act("toggle") == (0.0, False)
    scene.face(blue["x"], blue["y"])
    assert scene.act("toggle") == (1.0, True)
    scene = Scene(minigrid, "MiniGrid-RedBlueDoors-6x6-v0", 0)
    scene.face(blue["x"], blue["y"])
    assert scene.act("toggle") == (0.0, True)


# ----------------------------------------------------------------------------- hand-written states


def mg_object(kind: str, x: int, y: int, color: str = "grey", **flags: bool) -> JsonState:
    return {
        "kind": kind, "color": color, "x": x, "y": y,
        "open": flags.get("open", False), "locked": flags.get("locked", False),
        "carried": flags.get("carried", False),
    }  # fmt: skip


def mg_state(x: int, y: int, d: int, carrying: str, *objects: JsonState) -> JsonState:
    return {"agent": {"x": x, "y": y, "dir": d, "carrying": carrying}, "objects": list(objects)}


def step(
    program: C.Program, state: JsonState, action: str, mission: str
) -> tuple[JsonState, int, bool]:
    """One step through the reference interpreter and both compiled backends, which must agree."""
    s = state_from_json(program.schema, state)
    got = run_step(program, s, action, Mission.of(mission))
    for backend in BACKENDS:
        assert compile_program(program, backend).step(s, action, Mission.of(mission)) == got
    return state_to_json(program.schema, got.next_state), got.reward, got.done


GOAL = "get to the green goal square"


def test_minigrid_turns_and_moves(minigrid: C.Program) -> None:
    s = mg_state(
        2, 2, 0, "none", mg_object("wall", 3, 2), mg_object("door", 2, 3, "red", open=True)
    )
    assert step(minigrid, s, "left", GOAL)[0]["agent"]["dir"] == 3
    assert step(minigrid, s, "right", GOAL)[0]["agent"]["dir"] == 1
    assert step(minigrid, s, "forward", GOAL)[0]["agent"] == s["agent"]  # wall ahead
    down = mg_state(2, 2, 1, "none", *s["objects"])
    assert step(minigrid, down, "forward", GOAL)[0]["agent"]["y"] == 3  # open door: pass
    up = mg_state(2, 2, 3, "none")
    assert step(minigrid, up, "forward", GOAL)[0]["agent"]["y"] == 1  # empty cell


def test_minigrid_closed_door_blocks_and_toggles(minigrid: C.Program) -> None:
    s = mg_state(2, 2, 1, "none", mg_object("door", 2, 3, "red"))
    assert step(minigrid, s, "forward", GOAL)[0]["agent"]["y"] == 2
    opened, reward, done = step(minigrid, s, "toggle", GOAL)
    assert opened["objects"][0]["open"] and (reward, done) == (0, False)
    closed = step(minigrid, opened, "toggle", GOAL)[0]
    assert not closed["objects"][0]["open"]


@pytest.mark.parametrize(("key_color", "opens"), [("red", True), ("blue", False), (None, False)])
def test_minigrid_locked_door_needs_same_colour_key(
    minigrid: C.Program, key_color: str | None, opens: bool
) -> None:
    objects = [mg_object("door", 3, 2, "red", locked=True)]
    if key_color is not None:
        objects.append(mg_object("key", -1, -1, key_color, carried=True))
    s = mg_state(2, 2, 0, "key" if key_color else "none", *objects)
    door = step(minigrid, s, "toggle", GOAL)[0]["objects"][0]
    assert (door["open"], door["locked"]) == (opens, not opens)


def test_minigrid_pickup_and_drop(minigrid: C.Program) -> None:
    s = mg_state(2, 2, 0, "none", mg_object("ball", 3, 2, "blue"), mg_object("key", 2, 1, "red"))
    held = step(minigrid, s, "pickup", GOAL)[0]
    assert held["agent"]["carrying"] == "ball"
    assert held["objects"][0] == mg_object("ball", -1, -1, "blue", carried=True)
    assert step(minigrid, held, "pickup", GOAL)[0] == held  # front now empty
    facing_key = {**held, "agent": {**held["agent"], "dir": 3}}
    assert step(minigrid, facing_key, "pickup", GOAL)[0] == facing_key  # hands full
    assert step(minigrid, facing_key, "drop", GOAL)[0] == facing_key  # cell taken
    dropped = step(minigrid, held, "drop", GOAL)[0]
    assert dropped == s


def test_minigrid_cannot_drop_on_goal_or_pick_up_a_door(minigrid: C.Program) -> None:
    s = mg_state(
        2, 2, 0, "key", mg_object("goal", 3, 2, "green"), mg_object("key", -1, -1, carried=True)
    )
    assert step(minigrid, s, "drop", GOAL)[0] == s
    d = mg_state(2, 2, 0, "none", mg_object("door", 3, 2, "red"))
    assert step(minigrid, d, "pickup", GOAL)[0] == d


def test_minigrid_goal_and_lava(minigrid: C.Program) -> None:
    s = mg_state(2, 2, 0, "none", mg_object("goal", 3, 2, "green"), mg_object("lava", 2, 3, "red"))
    nxt, reward, done = step(minigrid, s, "forward", GOAL)
    assert (nxt["agent"]["x"], reward, done) == (3, 1, True)
    lava = {**s, "agent": {**s["agent"], "dir": 1}}
    nxt, reward, done = step(minigrid, lava, "forward", GOAL)
    assert (nxt["agent"]["y"], reward, done) == (3, 0, True)
    assert step(minigrid, s, "done", GOAL)[1:] == (0, False)


def test_minigrid_mission_families(minigrid: C.Program) -> None:
    ball = mg_object("ball", 3, 2, "blue")
    s = mg_state(2, 2, 0, "none", ball, mg_object("key", 2, 4, "red"))
    assert step(minigrid, s, "pickup", "pick up the blue ball")[1:] == (1, True)
    assert step(minigrid, s, "pickup", "pick up the red ball")[1:] == (0, False)
    assert step(minigrid, s, "pickup", "you must fetch a blue ball")[1:] == (1, True)
    assert step(minigrid, s, "pickup", "go get a red key")[1:] == (0, True)
    assert step(minigrid, s, "done", "go to the blue ball")[1:] == (1, True)
    assert step(minigrid, s, "done", "go to the red key")[1:] == (0, True)
    assert step(minigrid, s, "toggle", "go to the blue ball")[1:] == (0, True)
    assert step(minigrid, s, "pickup", "put the red key near the blue ball")[1:] == (0, True)
    assert step(minigrid, s, "pickup", "put the blue ball near the red key")[1:] == (0, False)
    held = mg_state(
        2,
        3,
        1,
        "ball",
        mg_object("ball", -1, -1, "blue", carried=True),
        mg_object("key", 3, 5, "red"),
    )
    assert step(minigrid, held, "drop", "put the blue ball near the red key")[1:] == (1, True)
    far = mg_state(2, 2, 3, "ball", *held["objects"])
    assert step(minigrid, far, "drop", "put the blue ball near the red key")[1:] == (0, True)


def test_minigrid_red_then_blue(minigrid: C.Program) -> None:
    mission = "open the red door then the blue door"
    red_open = mg_object("door", 1, 2, "red", open=True)
    blue = mg_object("door", 3, 2, "blue")
    assert step(minigrid, mg_state(2, 2, 0, "none", red_open, blue), "toggle", mission)[1:] == (
        1,
        True,
    )
    red_shut = mg_object("door", 1, 2, "red")
    assert step(minigrid, mg_state(2, 2, 0, "none", red_shut, blue), "toggle", mission)[1:] == (
        0,
        True,
    )
    assert step(minigrid, mg_state(2, 2, 2, "none", red_shut, blue), "toggle", mission)[1:] == (
        0,
        False,
    )


def sk_state(x: int, y: int, walls: list[tuple[int, int]], boxes: list[tuple[int, int]],
             targets: list[tuple[int, int]]) -> JsonState:  # fmt: skip
    objects = [{"kind": "wall", "x": a, "y": b} for a, b in walls]
    objects += [{"kind": "target", "x": a, "y": b} for a, b in targets]
    objects += [{"kind": "box", "x": a, "y": b} for a, b in boxes]
    return {"agent": {"x": x, "y": y}, "objects": objects}


PUSH = "push every box onto a target"


def test_sokoban_push_rules(sokoban: C.Program) -> None:
    s = sk_state(1, 1, [(3, 1), (1, 0)], [(2, 1)], [(2, 3)])
    assert step(sokoban, s, "right", PUSH)[0] == s  # box against a wall
    assert step(sokoban, s, "up", PUSH)[0] == s  # wall
    moved = step(sokoban, s, "down", PUSH)[0]
    assert moved["agent"] == {"x": 1, "y": 2} and moved["objects"] == s["objects"]
    two = sk_state(1, 1, [], [(2, 1), (3, 1)], [(5, 1), (6, 1)])
    assert step(sokoban, two, "right", PUSH)[0] == two  # two boxes in a row
    free = sk_state(1, 1, [], [(2, 1)], [(5, 1)])
    pushed, reward, done = step(sokoban, free, "right", PUSH)
    assert pushed["agent"] == {"x": 2, "y": 1} and pushed["objects"][-1] == {
        "kind": "box",
        "x": 3,
        "y": 1,
    }
    assert (reward, done) == (0, False)


def test_sokoban_solved_when_every_box_is_on_a_target(sokoban: C.Program) -> None:
    s = sk_state(1, 1, [], [(2, 1), (5, 5)], [(3, 1), (5, 5)])
    assert step(sokoban, s, "right", PUSH)[1:] == (1, True)
    s = sk_state(1, 1, [], [(2, 1), (5, 6)], [(3, 1), (5, 5)])
    assert step(sokoban, s, "right", PUSH)[1:] == (0, False)


def test_sokoban_real_solution_of_bundled_level(sokoban: C.Program) -> None:
    env = make_env("Sokoban", level_file=str(bundled_levels_path()), level=0)
    state, mission = env.reset(seed=0)
    predict = predictor(sokoban)
    for action in ("right", "right"):  # level 0: "#@$ .#"
        result = env.step(action)
        rec = {"state": state, "action": action, "next_state": result.state,
               "reward": result.reward, "done": result.terminated, "mission": mission}  # fmt: skip
        assert compare(sokoban.schema, predict, rec) == ()
        state = result.state
    assert result.terminated and result.reward == 1.0


def taxi_route(state: JsonState, goal: tuple[int, int]) -> list[str]:
    east = {(o["x"], o["y"]) for o in state["objects"] if o["kind"] == "wall_east"}
    south = {(o["x"], o["y"]) for o in state["objects"] if o["kind"] == "wall_south"}
    start = (state["agent"]["x"], state["agent"]["y"])
    paths: dict[tuple[int, int], list[str]] = {start: []}
    queue = deque([start])
    while queue:
        x, y = queue.popleft()
        for action, ok, n in (
            ("south", (x, y) not in south, (x, y + 1)),
            ("north", (x, y - 1) not in south, (x, y - 1)),
            ("east", (x, y) not in east, (x + 1, y)),
            ("west", (x - 1, y) not in east, (x - 1, y)),
        ):
            if ok and n not in paths:
                paths[n] = [*paths[(x, y)], action]
                queue.append(n)
    return paths[goal]


def test_taxi_real_delivery(taxi: C.Program) -> None:
    env = make_env("Taxi-v4")
    state, mission = env.reset(seed=11)
    predict = predictor(taxi)
    rewards = []

    def act(action: str) -> None:
        nonlocal state
        result = env.step(action)
        rec = {"state": state, "action": action, "next_state": result.state,
               "reward": result.reward, "done": result.terminated, "mission": mission}  # fmt: skip
        assert compare(taxi.schema, predict, rec) == ()
        rewards.append(result.reward)
        state = result.state

    passenger, dest = state["objects"][0], state["objects"][1]
    act("dropoff")  # nothing to drop off: -10
    for a in taxi_route(state, (passenger["x"], passenger["y"])):
        act(a)
    act("pickup")
    assert state["objects"][0]["in_taxi"] and rewards[-1] == -1
    act("pickup")  # already aboard: -10
    for a in taxi_route(state, (dest["x"], dest["y"])):
        act(a)
    act("dropoff")
    assert rewards[0] == -10 and rewards[-1] == 20
    assert state["objects"][0] == {**dest, "kind": "passenger"}
    env.close()


def test_taxi_rules(taxi: C.Program) -> None:
    walls = [{"kind": "wall_east", "x": 0, "y": 0, "in_taxi": False},
             {"kind": "wall_south", "x": 1, "y": 0, "in_taxi": False}]  # fmt: skip
    landmarks = [{"kind": "landmark", "x": 0, "y": 0, "in_taxi": False},
                 {"kind": "landmark", "x": 2, "y": 2, "in_taxi": False}]  # fmt: skip
    s = {"agent": {"x": 0, "y": 0}, "objects": [
        {"kind": "passenger", "x": 0, "y": 0, "in_taxi": False},
        {"kind": "destination", "x": 2, "y": 2, "in_taxi": False}, *landmarks, *walls]}  # fmt: skip
    mission = "deliver the passenger to the destination"
    assert step(taxi, s, "east", mission)[0]["agent"] == {"x": 0, "y": 0}  # wall_east at (0, 0)
    assert step(taxi, s, "south", mission)[0]["agent"] == {"x": 0, "y": 1}
    at1 = {**s, "agent": {"x": 1, "y": 0}}
    assert step(taxi, at1, "west", mission)[0]["agent"] == {
        "x": 1,
        "y": 0,
    }  # same wall, from the east
    assert step(taxi, at1, "south", mission)[0]["agent"] == {"x": 1, "y": 0}  # wall_south at (1, 0)
    assert step(taxi, at1, "pickup", mission)[1:] == (-10, False)
    aboard, reward, done = step(taxi, s, "pickup", mission)
    assert aboard["objects"][0] == {"kind": "passenger", "x": -1, "y": -1, "in_taxi": True}
    assert (reward, done) == (-1, False)
    assert step(taxi, aboard, "dropoff", mission)[1:] == (-1, False)  # another landmark
    off = step(taxi, {**aboard, "agent": {"x": 1, "y": 1}}, "dropoff", mission)
    assert off[1:] == (-10, False) and off[0]["objects"][0]["in_taxi"]
    delivered, reward, done = step(taxi, {**aboard, "agent": {"x": 2, "y": 2}}, "dropoff", mission)
    assert delivered["objects"][0] == {"kind": "passenger", "x": 2, "y": 2, "in_taxi": False}
    assert (reward, done) == (20, True)
