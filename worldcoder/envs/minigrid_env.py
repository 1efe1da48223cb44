"""MiniGrid adapter.

Owns the translation of the real `minigrid` environments (the supported families in
`MINIGRID_FAMILIES`, every registered variant) into object-centric JSON states
read from the full grid of ``env.unwrapped`` (never the egocentric observation).

State format::

    {"agent": {"x": int, "y": int, "dir": 0..3, "carrying": kind | "none"},
     "objects": [{"kind", "color", "x", "y", "open", "locked", "carried"}, ...]}

The object list is fixed at reset: every non-empty grid cell scanned row-major
(y outer, x inner), then the object carried at reset if any. Identity is tracked
by the Python identity of each ``WorldObj``; a carried object sits at (-1, -1)
with ``carried`` true, one that left the grid (a toggled box) sits at (-1, -1)
with ``carried`` false.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import gymnasium
from minigrid.core.actions import Actions  # importing minigrid registers its ids
from minigrid.core.world_object import Door, WorldObj
from minigrid.minigrid_env import MiniGridEnv

from .base import EnvError, JsonState, Step, action_index, not_reset_error
from .coverage import FAMILIES, family_of, registered_ids, supported_ids

MINIGRID_FAMILIES: tuple[str, ...] = tuple(
    f.name for f in FAMILIES if f.domain == "minigrid" and f.unsupported is None
)
"""The supported families of the minigrid domain (`worldcoder.envs.coverage.FAMILIES`)."""
MINIGRID_ACTIONS: tuple[str, ...] = tuple(a.name for a in Actions)
MINIGRID_KINDS: tuple[str, ...] = ("wall", "floor", "door", "key", "ball", "box", "goal", "lava")


def minigrid_env_ids() -> tuple[str, ...]:
    """Every registered id of a supported family of the minigrid domain, sorted."""
    return supported_ids("minigrid")


def family_env_ids(family: str) -> tuple[str, ...]:
    """The registered ids of one family of `worldcoder.envs.coverage.FAMILIES`, sorted."""
    return tuple(
        i for i in registered_ids() if (f := family_of(i)) is not None and f.name == family
    )


@dataclass(frozen=True)
class _Tracker:
    """The objects of one episode, in slot order, and their identity -> slot map.

    An object is identified by its Python identity, except one instance drawn in several cells
    at reset (MultiRoom draws all its walls with one shared `Wall()`): such an instance never
    moves, and each of its cells gets a slot of its own, keyed by (identity, x, y).
    """

    objs: tuple[WorldObj, ...]
    slots: Mapping[int | tuple[int, int, int], int]

    @staticmethod
    def at_reset(env: MiniGridEnv) -> _Tracker:
        cells = _grid_cells(env)
        counts: dict[int, int] = {}
        for _, _, obj in cells:
            counts[id(obj)] = counts.get(id(obj), 0) + 1
        objs: list[WorldObj] = []
        slots: dict[int | tuple[int, int, int], int] = {}
        for x, y, obj in cells:
            slots[(id(obj), x, y) if counts[id(obj)] > 1 else id(obj)] = len(objs)
            objs.append(obj)
        carried = _carrying(env)
        if carried is not None:
            slots[id(carried)] = len(objs)
            objs.append(carried)
        return _Tracker(tuple(objs), slots)

    def slot_of(
        self, obj: WorldObj, where: str, env_name: str, cell: tuple[int, int] | None = None
    ) -> int:
        slot = self.slots.get(id(obj))
        if slot is None and cell is not None:
            slot = self.slots.get((id(obj), *cell))
        if slot is None or self.objs[slot] is not obj:
            raise EnvError(
                f"{env_name}: a {obj.color} {obj.type} {where} was not present at reset; "
                "the fixed-size object list cannot represent objects that appear mid-episode"
            )
        return slot


def _grid_cells(env: MiniGridEnv) -> list[tuple[int, int, WorldObj]]:
    """Non-empty cells of the full grid, row-major (y outer, x inner)."""
    grid = env.grid
    cells = []
    for y in range(grid.height):
        for x in range(grid.width):
            obj = grid.get(x, y)
            if obj is not None:
                cells.append((x, y, obj))
    return cells


def _carrying(env: MiniGridEnv) -> WorldObj | None:
    carried: Any = getattr(env, "carrying", None)
    return carried if isinstance(carried, WorldObj) else None


def _object_json(obj: WorldObj, x: int, y: int, carried: bool, env_name: str) -> JsonState:
    if obj.type not in MINIGRID_KINDS:
        raise EnvError(f"{env_name}: unsupported object kind {obj.type!r} at ({x}, {y})")
    is_open, is_locked = (obj.is_open, obj.is_locked) if isinstance(obj, Door) else (False, False)
    return {
        "kind": str(obj.type),
        "color": str(obj.color),
        "x": x,
        "y": y,
        "open": bool(is_open),
        "locked": bool(is_locked),
        "carried": carried,
    }


def _agent_json(env: MiniGridEnv) -> JsonState:
    x, y = env.agent_pos
    carried = _carrying(env)
    return {
        "x": int(x),
        "y": int(y),
        "dir": int(env.agent_dir),
        "carrying": str(carried.type) if carried is not None else "none",
    }


def minigrid_state(env: MiniGridEnv, tracker: _Tracker, env_name: str) -> JsonState:
    """The object-centric state of ``env``; objects in the tracker's slot order."""
    where: dict[int, tuple[int, int, bool]] = {}
    for x, y, obj in _grid_cells(env):
        where[tracker.slot_of(obj, f"at ({x}, {y})", env_name, (x, y))] = (x, y, False)
    carried = _carrying(env)
    if carried is not None:
        where[tracker.slot_of(carried, "carried by the agent", env_name)] = (-1, -1, True)
    objects = [
        _object_json(obj, *where.get(slot, (-1, -1, False)), env_name)
        for slot, obj in enumerate(tracker.objs)
    ]
    return {"agent": _agent_json(env), "objects": objects}


def make_minigrid(env_id: str, max_steps: int | None = None) -> Any:
    """The real gymnasium env `env_id` without rendering (its `max_steps` overridden if given);
    `EnvError` if it is not a `MiniGridEnv` (BabyAI levels are)."""
    kwargs: dict[str, Any] = {"render_mode": None}
    if max_steps is not None:
        kwargs["max_steps"] = max_steps
    env = gymnasium.make(env_id, **kwargs)
    if not isinstance(env.unwrapped, MiniGridEnv):
        env.close()
        raise EnvError(f"{env_id} is not a MiniGrid environment")
    return env


class MiniGridObjectEnv:
    """`ObjectEnv` adapter over a real MiniGrid environment (no rendering)."""

    domain = "minigrid"
    actions = MINIGRID_ACTIONS

    def __init__(self, env_id: str, max_steps: int | None = None) -> None:
        self.name = env_id
        self._env = make_minigrid(env_id, max_steps)
        self._tracker: _Tracker | None = None

    @property
    def unwrapped(self) -> MiniGridEnv:
        """The underlying `MiniGridEnv` (full grid, agent, carrying)."""
        env = self._env.unwrapped
        assert isinstance(env, MiniGridEnv)
        return env

    @property
    def mission(self) -> str:
        return str(self.unwrapped.mission)

    def reset(self, seed: int | None = None) -> tuple[JsonState, str]:
        self._env.reset(seed=seed)
        self._tracker = _Tracker.at_reset(self.unwrapped)
        return self.state(), self.mission

    def state(self) -> JsonState:
        """The current object-centric state."""
        if self._tracker is None:
            raise not_reset_error(self.name)
        return minigrid_state(self.unwrapped, self._tracker, self.name)

    def step(self, action: str) -> Step:
        if self._tracker is None:
            raise not_reset_error(self.name)
        index = action_index(self.name, self.actions, action)
        _, raw, terminated, truncated, _ = self._env.step(index)
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
