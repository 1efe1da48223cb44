"""BabyAI adapter (the ``babyai`` domain: every supported ``BabyAI-*`` id and ObstructedMaze).

Owns the translation of a BabyAI level (a `RoomGridLevel` whose `instrs` is a verifier from
`minigrid.envs.babyai.core.verifier`) or an ObstructedMaze into the object-centric state of the
``babyai`` schema (`models/babyai_prior.wc`): the MiniGrid state plus what makes the level's
reward a function of the state, mission and action.

State format::

    {"agent": {"x", "y", "dir", "carrying",
               "strict_a", "strict_b", "strict_seq", "done_a", "done_b"},
     "objects": [{"kind", "color", "x", "y", "open", "locked", "carried",
                  "inside", "mx", "my", "a_obj", "a_ref", "b_obj", "b_ref",
                  "a_held", "b_held"}, ...]}

An instruction has one clause (``a``) or two joined by ``and``, ``, then`` or ``after you`` (``a``
is the first in the text). Per object: ``a_obj``/``b_obj``: the object matches the clause's
(moved) description, fixed at reset with the locations as the verifier resolved them;
``a_ref``/``b_ref``: it matches the fixed object's description of a ``put ... next to`` clause;
``a_held``/``b_held``: it is the clause's ``preCarrying`` (what the verifier saw carried when it
last checked that clause); ``mx``/``my``: where the verifier remembers it (its cell at reset,
refreshed on every ``drop`` action: its cell then, or (-1, -1) when not on the grid).
``inside``: the object is hidden in the box whose cell it reports (a box's contents, or with
the carried box at (-1, -1)); toggling the box releases it on that cell. Agent: ``strict_*``:
the clauses' and the sequence's strict flags; ``done_a``/``done_b``: the verifier's
``a_done``/``b_done`` is ``"success"``. Instructions nested deeper than two clauses are an
`EnvError` (their families are listed unsupported).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from minigrid.core.world_object import Box, WorldObj
from minigrid.envs.babyai.core.verifier import (
    ActionInstr,
    AfterInstr,
    AndInstr,
    BeforeInstr,
    Instr,
    ObjDesc,
    PutNextInstr,
)
from minigrid.envs.obstructedmaze import ObstructedMazeEnv
from minigrid.minigrid_env import MiniGridEnv

from .base import EnvError, JsonState, Step, action_index, not_reset_error
from .minigrid_env import (
    MINIGRID_ACTIONS,
    _agent_json,
    _carrying,
    _grid_cells,
    _object_json,
    make_minigrid,
)

CLAUSE_KEYS = ("a_obj", "a_ref", "b_obj", "b_ref", "a_held", "b_held")


@dataclass(frozen=True)
class Clauses:
    """The one or two action clauses of an instruction and the sequence joining them."""

    a: ActionInstr | None
    b: ActionInstr | None
    seq: Instr | None


def clauses(instrs: Instr, env_name: str) -> Clauses:
    """Split a verifier into at most two action clauses (`EnvError` when nested deeper)."""
    if isinstance(instrs, ActionInstr):
        return Clauses(instrs, None, None)
    if isinstance(instrs, AndInstr | BeforeInstr | AfterInstr):
        a, b = instrs.instr_a, instrs.instr_b
        if isinstance(a, ActionInstr) and isinstance(b, ActionInstr):
            return Clauses(a, b, instrs)
    raise EnvError(f"{env_name}: an instruction of more than two clauses is not supported")


def _descs(instr: ActionInstr | None) -> tuple[ObjDesc | None, ObjDesc | None]:
    if instr is None:
        return None, None
    if isinstance(instr, PutNextInstr):
        return instr.desc_move, instr.desc_fixed
    desc: ObjDesc = getattr(instr, "desc")  # noqa: B009  (every other action clause has one)
    return desc, None


def _in(obj: WorldObj, desc: ObjDesc | None) -> bool:
    return desc is not None and any(obj is o for o in desc.obj_set)


def _contents(obj: WorldObj) -> WorldObj | None:
    """What a box holds (None: nothing, or not a box)."""
    held: object = getattr(obj, "contains", None) if isinstance(obj, Box) else None
    return held if isinstance(held, WorldObj) else None


def _is_success(value: object) -> bool:
    return isinstance(value, str) and value == "success"


class _Episode:
    """The objects of one episode (grid cells row-major, the carried object, then the contents
    of every box), and the positions the verifier remembers."""

    def __init__(self, env: MiniGridEnv, env_name: str) -> None:
        self.env_name = env_name
        objs: list[WorldObj] = [obj for _, _, obj in _grid_cells(env)]
        carried = _carrying(env)
        if carried is not None:
            objs.append(carried)
        objs += [c for o in objs if isinstance(c := _contents(o), WorldObj)]
        if len({id(o) for o in objs}) != len(objs):
            raise EnvError(f"{env_name}: one object instance is drawn in several cells")
        self.objs = tuple(objs)
        self.slots = {id(o): i for i, o in enumerate(objs)}
        self.memory = self.positions(env)

    def positions(self, env: MiniGridEnv) -> list[tuple[int, int]]:
        """Each object's grid cell, (-1, -1) when not on the grid."""
        out = [(-1, -1)] * len(self.objs)
        for x, y, obj in _grid_cells(env):
            out[self.slot(obj, x, y)] = (x, y)
        return out

    def slot(self, obj: WorldObj, x: int, y: int) -> int:
        slot = self.slots.get(id(obj))
        if slot is None:
            raise EnvError(
                f"{self.env_name}: a {obj.color} {obj.type} at ({x}, {y}) was not present at reset"
            )
        return slot

    def places(self, env: MiniGridEnv) -> Iterator[tuple[int, int, bool, bool]]:
        """(x, y, carried, inside) of every object, in slot order."""
        where: dict[int, tuple[int, int, bool, bool]] = {}
        for x, y, obj in _grid_cells(env):
            where[self.slot(obj, x, y)] = (x, y, False, False)
        carried = _carrying(env)
        if carried is not None:
            where[self.slot(carried, -1, -1)] = (-1, -1, True, False)
        for slot, obj in enumerate(self.objs):
            content = _contents(obj)
            if content is not None and slot in where and id(content) in self.slots:
                x, y, _, _ = where[slot]
                where.setdefault(self.slots[id(content)], (x, y, False, True))
        for slot in range(len(self.objs)):
            yield where.get(slot, (-1, -1, False, False))


class BabyAIObjectEnv:
    """`ObjectEnv` adapter over a BabyAI level or an ObstructedMaze (no rendering)."""

    domain = "babyai"
    actions = MINIGRID_ACTIONS

    def __init__(self, env_id: str, max_steps: int | None = None) -> None:
        self.name = env_id
        self._env = make_minigrid(env_id, max_steps)
        self._episode: _Episode | None = None

    @property
    def unwrapped(self) -> MiniGridEnv:
        env = self._env.unwrapped
        assert isinstance(env, MiniGridEnv)
        return env

    @property
    def mission(self) -> str:
        return str(self.unwrapped.mission)

    def reset(self, seed: int | None = None) -> tuple[JsonState, str]:
        self._env.reset(seed=seed)
        self._episode = _Episode(self.unwrapped, self.name)
        return self.state(), self.mission

    def state(self) -> JsonState:
        """The current state of the babyai schema."""
        if self._episode is None:
            raise not_reset_error(self.name)
        return babyai_state(self.unwrapped, self._episode)

    def step(self, action: str) -> Step:
        if self._episode is None:
            raise not_reset_error(self.name)
        index = action_index(self.name, self.actions, action)
        _, raw, terminated, truncated, _ = self._env.step(index)
        if action == "drop":  # the verifier refreshes the positions it remembers
            self._episode.memory = self._episode.positions(self.unwrapped)
        raw_reward = float(raw)
        return Step(
            state=self.state(),
            reward=1.0 if raw_reward > 0 else 0.0,
            raw_reward=raw_reward,
            terminated=bool(terminated),
            truncated=bool(truncated),
            mission=self.mission,
        )

    def close(self) -> None:
        self._env.close()


def _level_clauses(env: MiniGridEnv, env_name: str) -> Clauses | None:
    """The level's clauses; None for an ObstructedMaze (pick up `env.obj`, checked apart)."""
    if isinstance(env, ObstructedMazeEnv):
        return None
    instrs = getattr(env, "instrs", None)
    if not isinstance(instrs, Instr):
        raise EnvError(f"{env_name} has no BabyAI instruction")
    return clauses(instrs, env_name)


def babyai_state(env: MiniGridEnv, episode: _Episode) -> JsonState:
    """The object-centric state of the babyai schema (see the module docstring)."""
    parts = _level_clauses(env, episode.env_name)
    carried = _carrying(env)
    objects = []
    for slot, (x, y, is_carried, inside) in enumerate(episode.places(env)):
        obj = episode.objs[slot]
        row = _object_json(obj, x, y, is_carried, episode.env_name)
        mx, my = episode.memory[slot]
        row.update(inside=inside, mx=mx, my=my)
        row.update(_clause_flags(obj, parts, env, carried))
        objects.append(row)
    agent = _agent_json(env)
    agent.update(_agent_flags(parts))
    return {"agent": agent, "objects": objects}


def _clause_flags(
    obj: WorldObj, parts: Clauses | None, env: MiniGridEnv, carried: WorldObj | None
) -> dict[str, bool]:
    if parts is None:  # ObstructedMaze: pick up env.obj, checked on every step
        target = getattr(env, "obj", None)
        flags = dict.fromkeys(CLAUSE_KEYS, False)
        flags.update(a_obj=obj is target, a_held=obj is carried)
        return flags
    a_obj, a_ref = _descs(parts.a)
    b_obj, b_ref = _descs(parts.b)
    return {
        "a_obj": _in(obj, a_obj),
        "a_ref": _in(obj, a_ref),
        "b_obj": _in(obj, b_obj),
        "b_ref": _in(obj, b_ref),
        "a_held": getattr(parts.a, "preCarrying", None) is obj,
        "b_held": parts.b is not None and getattr(parts.b, "preCarrying", None) is obj,
    }


def _agent_flags(parts: Clauses | None) -> dict[str, bool]:
    if parts is None:
        return dict.fromkeys(("strict_a", "strict_b", "strict_seq", "done_a", "done_b"), False)
    return {
        "strict_a": bool(getattr(parts.a, "strict", False)),
        "strict_b": bool(getattr(parts.b, "strict", False)),
        "strict_seq": bool(getattr(parts.seq, "strict", False)),
        "done_a": _is_success(getattr(parts.seq, "a_done", None)),
        "done_b": _is_success(getattr(parts.seq, "b_done", None)),
    }
