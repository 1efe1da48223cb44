"""Validate the reference models in models/ against the real environments, step by step.

For every family (the supported MiniGrid and BabyAI families of `worldcoder.envs.coverage`,
Sokoban on the bundled levels, Sokoban on the
Boxoban levels shipped in worldcoder/envs/levels/boxoban, Taxi) two kinds of episodes are played through the
real environment adapters (`worldcoder.envs`):

* random: the random policy of `worldcoder.envs.collect` (uniform over the actions);
* guided: a scripted explorer that reaches the family's success condition (BFS navigation in
  MiniGrid, with key, door and obstacle subgoals; a push-level Sokoban solver; a Taxi route
  planner), mixed with random actions at a per-episode rate (0, 5, 20 or 50 %) so that failure,
  no-op and success transitions all appear.

Each recorded transition is predicted by the compiled reference model and compared with the real
next state, reward (the model-level reward) and done (= terminated). The results go to
validate_models.json (per family: episodes, steps, agreement, seconds, successful episodes, the
first mismatch) in a new runs/validate_models-TIME/, in DIR, or with --record in bench/results/
(the recorded results; `bench.outputs`), and a table is printed.

    python bench/validate_models.py [--episodes 200] [--jobs 2] [--families Empty,Taxi,...]
                                    [--out DIR | --record]

A family is a name of `ALL_FAMILIES` or one supported env id (`--families BabyAI-GoToObj-v0,...`).
"""

from __future__ import annotations

import argparse
import heapq
import json
import platform
import random
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, ClassVar

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.outputs import add_output_flags, output_dir  # noqa: E402
from dsl.check import check_file  # noqa: E402
from dsl.values import Mission  # noqa: E402
from worldcoder.domains import domain as domain_facts  # noqa: E402
from worldcoder.envs import (  # noqa: E402
    SUPPORTED_ENVS,
    ObjectEnv,
    bundled_levels_path,
    collect,
    domain_of,
    make_env,
)
from worldcoder.envs.coverage import FAMILIES  # noqa: E402
from worldcoder.envs.minigrid_env import MINIGRID_FAMILIES, family_env_ids  # noqa: E402
from worldcoder.validate import Agreement, validate_model  # noqa: E402

MODELS = {
    "minigrid": domain_facts("minigrid").reference_path,
    "babyai": domain_facts("babyai").reference_path,
    "sokoban": domain_facts("sokoban").reference_path,
    "taxi": domain_facts("taxi").reference_path,
}
RANDOM_MAX_STEPS = 100
GUIDED_MAX_STEPS = 300
EPSILONS = (0.0, 0.05, 0.2, 0.5)
GUIDED_SEED = 100_000

Record = dict[str, Any]
Obj = dict[str, Any]
Cell = tuple[int, int]
Policy = Callable[[dict[str, Any], str], str]


# ----------------------------------------------------------------------------- families


def family_envs(family: str) -> tuple[str, ...]:
    """The env ids of one family (every registered variant), or one id (a family of its own)."""
    if family in SUPPORTED_ENVS and family not in ("Sokoban", "Taxi-v4"):
        return (family,)
    if family.startswith("Sokoban"):
        return ("Sokoban",)
    if family == "Taxi":
        return ("Taxi-v4",)
    return family_env_ids(family)


def level_file(family: str) -> str | None:
    if family == "Sokoban-bundled":
        return str(bundled_levels_path())
    if family == "Sokoban-boxoban":
        return "boxoban"
    return None


def domain(family: str) -> str:
    if family in SUPPORTED_ENVS:
        return domain_of(family)
    if family.startswith("Sokoban"):
        return "sokoban"
    if family in BABYAI_FAMILIES:
        return "babyai"
    return "taxi" if family == "Taxi" else "minigrid"


BABYAI_FAMILIES = tuple(f.name for f in FAMILIES if f.domain == "babyai" and f.unsupported is None)
ALL_FAMILIES = (*MINIGRID_FAMILIES, *BABYAI_FAMILIES, "Sokoban-bundled", "Sokoban-boxoban", "Taxi")


# ----------------------------------------------------------------------------- MiniGrid guide

DIRS = ((1, 0), (0, 1), (-1, 0), (0, -1))
PICKABLE = ("key", "ball", "box")
KINDS = ("wall", "floor", "door", "key", "ball", "box", "goal", "lava")
COLORS = ("red", "green", "blue", "purple", "yellow", "grey")
MINIGRID_ACTIONS = ("left", "right", "forward", "pickup", "drop", "toggle", "done")


class MiniGridGuide:
    """Scripted explorer: BFS over (x, y, dir) to face the mission's target, then act on it.

    Closed doors on the way are toggled open, locked ones need their key (a key subgoal),
    objects in the way are picked up and dropped away from doors, and the mission decides the
    target and the final action, parsed the same way the model parses it.
    """

    def __init__(self, rng: random.Random, eps: float) -> None:
        self.rng = rng
        self.eps = eps
        self.dropping = False

    def __call__(self, state: dict[str, Any], mission: str) -> str:
        if self.rng.random() < self.eps:
            return self.rng.choice(MINIGRID_ACTIONS)
        self.load(state)
        if self.held is None:
            self.dropping = False
        action = self.drop_away() if self.dropping else self.act(Mission.of(mission).words)
        return action or self.rng.choice(MINIGRID_ACTIONS[:3])

    def load(self, state: dict[str, Any]) -> None:
        agent = state["agent"]
        self.x, self.y, self.dir = agent["x"], agent["y"], agent["dir"]
        self.carrying = agent["carrying"]
        self.cells: dict[Cell, Obj] = {(o["x"], o["y"]): o for o in state["objects"] if o["x"] >= 0}
        held = [o for o in state["objects"] if o["carried"]]
        self.held: Obj | None = held[0] if held else None

    # -- mission

    def act(self, words: tuple[str, ...]) -> str | None:
        kinds = [w for w in words if w in KINDS]
        colors = [w for w in words if w in COLORS]

        def named(n: int) -> set[Cell]:
            if len(kinds) <= n or len(colors) <= n:
                return set()
            return {
                c
                for c, o in self.cells.items()
                if o["kind"] == kinds[n] and o["color"] == colors[n]
            }

        first = words[0] if words else ""
        if "matching" in words:
            return self.reach(self.memory_cells(), "forward")
        if first == "pick" or "fetch" in words or "a" in words[1:3]:
            return self.reach(named(0), "pickup")
        if first == "go" and words[1:2] == ("to",):
            return self.reach(named(0), "done")
        if first == "put":
            if self.held is None:
                return self.reach(named(0), "pickup")
            targets = named(1)
            near = {
                (tx + i, ty + j)
                for tx, ty in targets
                for i in (-1, 0, 1)
                for j in (-1, 0, 1)
                if (tx + i, ty + j) not in self.cells
            }
            return self.reach(near, "drop")
        if first == "open":
            doors = {c: o for c, o in self.cells.items() if o["kind"] == "door"}
            if "then" in words:
                red_open = any(o["open"] for o in doors.values() if o["color"] == "red")
                want = "blue" if red_open else "red"
                return self.reach({c for c, o in doors.items() if o["color"] == want}, "toggle")
            return self.reach({c for c, o in doors.items() if not o["open"]}, "toggle")
        return self.reach({c for c, o in self.cells.items() if o["kind"] == "goal"}, "forward")

    def memory_cells(self) -> set[Cell]:
        """Memory: the cell beside the end-of-hallway object of the cue's kind (the cue is the
        one object that shares its column with no other)."""
        things = [(c, o) for c, o in self.cells.items() if o["kind"] != "wall"]
        cues = [o for (x, _), o in things if sum(1 for (x2, _), _ in things if x2 == x) == 1]
        ends = [(c, o) for c, o in things if all(o is not q for q in cues)]
        if not cues or len(ends) != 2:
            return set()
        (top, top_obj), (bottom, _) = sorted(ends, key=lambda e: e[0][1])
        if top_obj["kind"] == cues[0]["kind"]:
            return {(top[0], top[1] + 1)}
        return {(bottom[0], bottom[1] - 1)}

    # -- navigation

    def front(self) -> Cell:
        dx, dy = DIRS[self.dir]
        return self.x + dx, self.y + dy

    def key_color(self) -> str | None:
        return self.held["color"] if self.held is not None and self.held["kind"] == "key" else None

    def passable(self, cell: Cell, through: bool, any_lock: bool, use_key: bool) -> bool:
        o = self.cells.get(cell)
        if o is None:
            return True
        kind = o["kind"]
        if kind == "floor":
            return True
        if kind == "door":
            key = self.key_color() if use_key else None
            return o["open"] or not o["locked"] or any_lock or o["color"] == key
        return through and kind in PICKABLE

    def bfs(
        self, goals: set[Cell], through: bool, any_lock: bool, use_key: bool = True
    ) -> list[tuple[str, Cell]] | None:
        """Shortest (action, cell entered or faced) list that ends facing a goal cell."""
        start = (self.x, self.y, self.dir)
        parent: dict[tuple[int, int, int], tuple[tuple[int, int, int], str]] = {}
        queue = deque([start])
        seen = {start}
        while queue:
            x, y, d = queue.popleft()
            dx, dy = DIRS[d]
            if (x + dx, y + dy) in goals:
                steps: list[tuple[str, Cell]] = []
                node = (x, y, d)
                while node != start:
                    prev, action = parent[node]
                    steps.append((action, (node[0], node[1])))
                    node = prev
                return steps[::-1]
            moves = [("left", (x, y, (d + 3) % 4)), ("right", (x, y, (d + 1) % 4))]
            if self.passable((x + dx, y + dy), through, any_lock, use_key):
                moves.append(("forward", (x + dx, y + dy, d)))
            for action, nxt in moves:
                if nxt not in seen:
                    seen.add(nxt)
                    parent[nxt] = ((x, y, d), action)
                    queue.append(nxt)
        return None

    def reach(self, goals: set[Cell], final: str, depth: int = 0) -> str | None:
        if not goals or depth > 2:
            return None
        if final == "toggle":
            locked = {c for c in goals if self.locked_out(c)}
            if locked and locked == goals:
                return self.fetch_key(self.cells[min(locked)]["color"], depth + 1)
            goals = goals - locked
        if (
            final == "pickup"
            and self.held is not None
            and (self.held["kind"] != "key" or self.bfs(goals, True, False, use_key=False))
        ):
            return self.drop_away(depth + 1)
        if self.front() in goals:
            return final
        path = (
            self.bfs(goals, False, False)
            or self.bfs(goals, True, False)
            or self.bfs(goals, True, True)
        )
        if path is None:
            return None
        for _, cell in path:
            o = self.cells.get(cell)
            if o is not None and o["kind"] in PICKABLE:
                break
            if self.locked_out(cell):
                return self.fetch_key(self.cells[cell]["color"], depth + 1)
        action, _ = path[0]
        if action == "forward":
            o = self.cells.get(self.front())
            if o is not None and o["kind"] == "door" and not o["open"]:
                return "toggle"
            if o is not None and o["kind"] in PICKABLE:
                return "pickup" if self.held is None else self.drop_away(depth + 1)
        return action

    def locked_out(self, cell: Cell) -> bool:
        o = self.cells.get(cell)
        return o is not None and o["locked"] and o["color"] != self.key_color()

    def fetch_key(self, color: str, depth: int) -> str | None:
        if self.held is not None:
            return self.drop_away(depth)
        keys = {c for c, o in self.cells.items() if o["kind"] == "key" and o["color"] == color}
        return self.reach(keys, "pickup", depth)

    def drop_away(self, depth: int = 0) -> str | None:
        """Drop the carried object on a free cell with no door next to it (a commitment)."""
        self.dropping = True
        doors = [c for c, o in self.cells.items() if o["kind"] == "door"]
        xs = [c[0] for c in self.cells]
        ys = [c[1] for c in self.cells]
        free = {
            (x, y)
            for x in range(min(xs), max(xs) + 1)
            for y in range(min(ys), max(ys) + 1)
            if (x, y) not in self.cells and (x, y) != (self.x, self.y)
        }
        away = {(x, y) for x, y in free if all(abs(x - a) + abs(y - b) > 1 for a, b in doors)}
        return self.reach(away, "drop", depth) or self.reach(free, "drop", depth)


class BabyAIGuide(MiniGridGuide):
    """The MiniGrid explorer on the babyai schema: the clause to work on is read from the
    mission's conjunction and the state's done flags, its objects from the state's clause flags;
    a key hidden in a box is fetched by toggling the box."""

    VERBS: ClassVar[dict[str, str]] = {
        "go": "go_to",
        "pick": "pick_up",
        "open": "open_door",
        "put": "put_next",
    }

    def load(self, state: dict[str, Any]) -> None:
        visible = [o for o in state["objects"] if not o["inside"]]
        super().load({"agent": state["agent"], "objects": visible})
        self.hidden = [o for o in state["objects"] if o["inside"]]
        self.flags = state["agent"]
        self.objects = state["objects"]

    def act(self, words: tuple[str, ...]) -> str | None:
        form_a = self.VERBS.get(words[0] if words else "", "put_next")
        others = [self.VERBS[w] for w in self.VERBS if w in words and self.VERBS[w] != form_a]
        form_b = others[0] if others else form_a
        if "then" in words or "and" in words:
            b = self.flags["done_a"]
        elif "after" in words:
            b = not self.flags["done_b"]
        else:
            b = False
        return self.clause(form_b if b else form_a, "b" if b else "a")

    def marked(self, flag: str) -> set[Cell]:
        return {
            (o["x"], o["y"]) for o in self.objects if o[flag] and o["x"] >= 0 and not o["inside"]
        }

    def clause(self, form: str, k: str) -> str | None:
        if form == "go_to":
            faced = {(o["mx"], o["my"]) for o in self.objects if o[f"{k}_obj"] and o["mx"] >= 0}
            return self.reach(faced, "done")
        if form == "pick_up":
            return self.reach(self.marked(f"{k}_obj"), "pickup")
        if form == "open_door":
            shut = {c for c in self.marked(f"{k}_obj") if not self.cells[c]["open"]}
            return self.reach(shut or self.marked(f"{k}_obj"), "toggle")
        if self.held is None or not self.held[f"{k}_obj"]:
            return self.reach(self.marked(f"{k}_obj"), "pickup")
        refs = {(o["mx"], o["my"]) for o in self.objects if o[f"{k}_ref"] and o["mx"] >= 0}
        beside = {
            (x + dx, y + dy)
            for x, y in refs
            for dx, dy in DIRS
            if (x + dx, y + dy) not in self.cells
        }
        return self.reach(beside, "drop")

    def fetch_key(self, color: str, depth: int) -> str | None:
        if any(o["kind"] == "key" and o["color"] == color for o in self.cells.values()):
            return super().fetch_key(color, depth)
        boxes = {
            (o["x"], o["y"])
            for o in self.hidden
            if o["kind"] == "key" and o["color"] == color and o["x"] >= 0
        }
        if self.held is not None and not boxes:
            return self.drop_away(depth)
        return self.reach(boxes, "toggle", depth) if boxes else None


# ----------------------------------------------------------------------------- Sokoban guide

SOKOBAN_DELTAS = {"up": (0, -1), "down": (0, 1), "left": (-1, 0), "right": (1, 0)}


def solve_sokoban(state: dict[str, Any], budget: int = 20_000) -> list[str] | None:
    """Greedy best-first search over pushes; the move list, or None within the budget."""
    walls = {(o["x"], o["y"]) for o in state["objects"] if o["kind"] == "wall"}
    targets = frozenset((o["x"], o["y"]) for o in state["objects"] if o["kind"] == "target")
    boxes0 = frozenset((o["x"], o["y"]) for o in state["objects"] if o["kind"] == "box")
    player0 = (state["agent"]["x"], state["agent"]["y"])

    def dead(c: Cell) -> bool:
        if c in targets:
            return False
        x, y = c
        vert = (x, y - 1) in walls or (x, y + 1) in walls
        horiz = (x - 1, y) in walls or (x + 1, y) in walls
        return vert and horiz

    def region(player: Cell, boxes: frozenset[Cell]) -> dict[Cell, tuple[Cell, str] | None]:
        prev: dict[Cell, tuple[Cell, str] | None] = {player: None}
        queue = deque([player])
        while queue:
            x, y = queue.popleft()
            for name, (dx, dy) in SOKOBAN_DELTAS.items():
                n = (x + dx, y + dy)
                if n not in prev and n not in walls and n not in boxes:
                    prev[n] = ((x, y), name)
                    queue.append(n)
        return prev

    def walk(prev: dict[Cell, tuple[Cell, str] | None], to: Cell) -> list[str]:
        moves: list[str] = []
        link = prev[to]
        while link is not None:
            moves.append(link[1])
            link = prev[link[0]]
        return moves[::-1]

    def h(boxes: frozenset[Cell]) -> int:
        return sum(min(abs(bx - tx) + abs(by - ty) for tx, ty in targets) for bx, by in boxes)

    start = (player0, boxes0)
    plans: dict[tuple[Cell, frozenset[Cell]], list[str]] = {start: []}
    heap: list[tuple[int, int, Cell, frozenset[Cell]]] = [(h(boxes0), 0, player0, boxes0)]
    seen: set[tuple[Cell, frozenset[Cell]]] = set()
    tick = 0
    while heap and len(seen) < budget:
        _, _, player, boxes = heapq.heappop(heap)
        prev = region(player, boxes)
        key = (min(prev), boxes)
        if key in seen:
            continue
        seen.add(key)
        plan = plans[(player, boxes)]
        if boxes <= targets:
            return plan
        for bx, by in boxes:
            for name, (dx, dy) in SOKOBAN_DELTAS.items():
                stand, beyond = (bx - dx, by - dy), (bx + dx, by + dy)
                if stand not in prev or beyond in walls or beyond in boxes or dead(beyond):
                    continue
                nboxes = (boxes - {(bx, by)}) | {beyond}
                nplayer = (bx, by)
                if (nplayer, nboxes) in plans:
                    continue
                plans[(nplayer, nboxes)] = [*plan, *walk(prev, stand), name]
                tick += 1
                heapq.heappush(heap, (h(nboxes), tick, nplayer, nboxes))
    return None


class SokobanGuide:
    """A few random moves, then the solver's plan (replanned if a random move intervenes)."""

    def __init__(self, rng: random.Random, eps: float) -> None:
        self.rng = rng
        self.eps = eps
        self.prefix = rng.randrange(0, 8)
        self.plan: list[str] | None = None
        self.failed = False

    def __call__(self, state: dict[str, Any], mission: str) -> str:
        if self.prefix > 0:
            self.prefix -= 1
            return self.rng.choice(tuple(SOKOBAN_DELTAS))
        if self.rng.random() < self.eps:
            self.plan = None
            return self.rng.choice(tuple(SOKOBAN_DELTAS))
        if not self.plan and not self.failed:
            self.plan = solve_sokoban(state)
            self.failed = self.plan is None
        if self.plan:
            return self.plan.pop(0)
        return self.rng.choice(tuple(SOKOBAN_DELTAS))


# ----------------------------------------------------------------------------- Taxi guide

TAXI_ACTIONS = ("south", "north", "east", "west", "pickup", "dropoff")


class TaxiGuide:
    """Drive to the passenger, pick up, drive to the destination, drop off (BFS routes)."""

    def __init__(self, rng: random.Random, eps: float) -> None:
        self.rng = rng
        self.eps = eps

    def __call__(self, state: dict[str, Any], mission: str) -> str:
        if self.rng.random() < self.eps:
            return self.rng.choice(TAXI_ACTIONS)
        objs = state["objects"]
        east = {(o["x"], o["y"]) for o in objs if o["kind"] == "wall_east"}
        south = {(o["x"], o["y"]) for o in objs if o["kind"] == "wall_south"}
        passenger = next(o for o in objs if o["kind"] == "passenger")
        dest = next(o for o in objs if o["kind"] == "destination")
        here = (state["agent"]["x"], state["agent"]["y"])
        target = (
            (dest["x"], dest["y"]) if passenger["in_taxi"] else (passenger["x"], passenger["y"])
        )
        if here == target:
            return "dropoff" if passenger["in_taxi"] else "pickup"

        def moves(c: Cell) -> Iterator[tuple[str, Cell]]:
            x, y = c
            if (x, y) not in south:
                yield "south", (x, y + 1)
            if (x, y - 1) not in south:
                yield "north", (x, y - 1)
            if (x, y) not in east:
                yield "east", (x + 1, y)
            if (x - 1, y) not in east:
                yield "west", (x - 1, y)

        first: dict[Cell, str] = {}
        queue = deque([here])
        seen = {here}
        while queue:
            c = queue.popleft()
            for action, n in moves(c):
                if n not in seen:
                    seen.add(n)
                    first[n] = first.get(c, action)
                    if n == target:
                        return first[n]
                    queue.append(n)
        return self.rng.choice(TAXI_ACTIONS)


# ----------------------------------------------------------------------------- episodes


def guide_for(dom: str, rng: random.Random, eps: float) -> Policy:
    if dom == "minigrid":
        return MiniGridGuide(rng, eps)
    if dom == "babyai":
        return BabyAIGuide(rng, eps)
    if dom == "sokoban":
        return SokobanGuide(rng, eps)
    return TaxiGuide(rng, eps)


def guided_records(family: str, episodes: int, seed: int) -> Iterator[Record]:
    """Guided episodes spread round-robin over the family's env ids."""
    envs = family_envs(family)
    dom = domain(family)
    made: dict[str, ObjectEnv] = {}
    try:
        for episode in range(episodes):
            env_id = envs[episode % len(envs)]
            if env_id not in made:
                made[env_id] = make_env(
                    env_id, level_file=level_file(family), max_steps=GUIDED_MAX_STEPS
                )
            env = made[env_id]
            rng = random.Random(seed + episode)
            policy = guide_for(dom, rng, EPSILONS[episode % len(EPSILONS)])
            state, mission = env.reset(seed=seed + episode)
            for step in range(GUIDED_MAX_STEPS):
                action = policy(state, mission)
                result = env.step(action)
                yield {
                    "state": state, "action": action, "next_state": result.state,
                    "reward": result.reward, "done": result.terminated, "mission": mission,
                    "raw_reward": result.raw_reward, "truncated": result.truncated,
                    "episode": episode, "step": step, "env": env_id,
                }  # fmt: skip
                if result.terminated or result.truncated:
                    break
                state, mission = result.state, result.mission
    finally:
        for env in made.values():
            env.close()


def random_records(family: str, episodes: int, seed: int) -> Iterator[Record]:
    """Random-policy episodes (`collect`) spread over the family's env ids."""
    envs = family_envs(family)
    for i, env_id in enumerate(envs):
        count = episodes // len(envs) + (1 if i < episodes % len(envs) else 0)
        if count:
            yield from collect(
                env_id, count, seed + 1000 * i,
                max_steps=RANDOM_MAX_STEPS, level_file=level_file(family),
            )  # fmt: skip


class Counted:
    """Passes records through, counting successes (reward > 0) and episodes."""

    def __init__(self, records: Iterator[Record]) -> None:
        self.records = records
        self.successes = 0
        self.episodes: set[tuple[str, int]] = set()

    def __iter__(self) -> Iterator[Record]:
        for rec in self.records:
            self.episodes.add((rec["env"], rec["episode"]))
            if rec["reward"] > 0:
                self.successes += 1
            yield rec


def run_family(family: str, episodes: int, engine: str = "compiled") -> dict[str, Any]:
    program = check_file(MODELS[domain(family)])
    out: dict[str, Any] = {"envs": list(family_envs(family))}
    total_steps = total_agreed = total_eps = total_succ = 0
    first: str | None = None
    started = time.perf_counter()
    for kind, records in (
        ("random", random_records(family, episodes, 0)),
        ("guided", guided_records(family, episodes, GUIDED_SEED)),
    ):
        t0 = time.perf_counter()
        counted = Counted(records)
        agreement: Agreement = validate_model(program, counted, engine=engine)
        out[kind] = {
            "episodes": len(counted.episodes),
            "steps": agreement.steps,
            "agreed": agreement.agreed,
            "agreement": agreement.fraction,
            "successful_episodes": counted.successes,
            "seconds": round(time.perf_counter() - t0, 2),
        }
        total_steps += agreement.steps
        total_agreed += agreement.agreed
        total_eps += len(counted.episodes)
        total_succ += counted.successes
        if first is None and agreement.first_mismatch is not None:
            first = f"[{kind}] " + agreement.first_mismatch.render()
    out.update(
        episodes=total_eps,
        steps=total_steps,
        agreed=total_agreed,
        agreement=total_agreed / total_steps if total_steps else 1.0,
        successful_episodes=total_succ,
        seconds=round(time.perf_counter() - started, 2),
        first_mismatch=first,
    )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--episodes", type=int, default=200, help="random AND guided episodes per family"
    )
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--families", default=",".join(ALL_FAMILIES))
    parser.add_argument("--engine", choices=("compiled", "interp"), default="compiled")
    add_output_flags(parser, "validate_models")
    args = parser.parse_args(argv)
    families = [f for f in args.families.split(",") if f]
    unknown = [f for f in families if f not in ALL_FAMILIES and f not in SUPPORTED_ENVS]
    if unknown:
        parser.error(
            f"unknown families {unknown}; known: {', '.join(ALL_FAMILIES)}, or a supported env id"
        )
    out = output_dir(args, "validate_models") / "validate_models.json"
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        runs = pool.map(
            run_family, families, [args.episodes] * len(families), [args.engine] * len(families)
        )
        results = dict(zip(families, runs, strict=True))
    command = (
        f"python bench/validate_models.py --episodes {args.episodes} --jobs {args.jobs}"
        f" --engine {args.engine} --families {','.join(families)}"
    )
    report = {
        "command": command,
        "models": {k: str(v.relative_to(ROOT)) for k, v in MODELS.items()},
        "engine": args.engine,
        "random_max_steps": RANDOM_MAX_STEPS,
        "guided_max_steps": GUIDED_MAX_STEPS,
        "guided_epsilons": list(EPSILONS),
        "python": platform.python_version(),
        "seconds": round(time.perf_counter() - started, 1),
        "families": results,
    }
    out.write_text(json.dumps(report, indent=2) + "\n")
    header = (
        f"{'family':<22}{'episodes':>9}{'steps':>9}{'agreement':>11}{'successes':>11}{'seconds':>9}"
    )
    print(header)
    print("-" * len(header))
    for family, r in results.items():
        print(
            f"{family:<22}{r['episodes']:>9}{r['steps']:>9}{r['agreement']:>11.4%}"
            f"{r['successful_episodes']:>11}{r['seconds']:>9.1f}"
        )
    print(f"\nwrote {out} in {report['seconds']} s")
    for family, r in results.items():
        if r["first_mismatch"]:
            print(f"\n{family}: first mismatch\n{r['first_mismatch']}")
    return 0 if all(r["agreement"] == 1.0 for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
