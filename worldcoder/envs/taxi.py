"""Taxi adapter.

Owns the translation of gymnasium's deterministic Taxi (``is_rainy`` and
``fickle_passenger`` forced off) into object-centric JSON states, decoding the
integer state with ``env.unwrapped.decode``.

State format (x = column, y = row)::

    {"agent": {"x": int, "y": int},
     "objects": [{"kind", "x", "y", "in_taxi"}, ...]}

Objects, in this fixed order: the passenger (x = y = -1 and in_taxi true while
riding), the destination, the landmarks R, G, Y, B, then the walls:
``wall_east`` at (x, y) blocks moving east from (x, y) and west from (x+1, y),
``wall_south`` at (x, y) blocks moving south from (x, y) and north from (x, y+1).
Walls include the border (``wall_east`` at x = -1 and x = width-1 on every row,
``wall_south`` at y = -1 and y = height-1 on every column) and the interior
``|`` walls of the Taxi map, each group row-major.

Semantics read from gymnasium's taxi.py: moves into a wall or the border leave
the taxi in place (-1); pickup at the passenger's landmark puts them in the taxi
(-1), anywhere else -10; drop-off at the destination ends the episode (+20),
at another landmark leaves the passenger there (-1, not terminal), elsewhere -10.
"""

from __future__ import annotations

from typing import Any

import gymnasium
from gymnasium.envs.toy_text.taxi import TaxiEnv

from .base import EnvError, JsonState, Step, action_index, not_reset_error

TAXI_ACTIONS: tuple[str, ...] = ("south", "north", "east", "west", "pickup", "dropoff")
TAXI_MISSION = "deliver the passenger to the destination"
TAXI_IN_TAXI = 4  # gymnasium's passenger index meaning "inside the taxi"


def taxi_env_ids() -> tuple[str, ...]:
    """The Taxi ids registered by the installed gymnasium (e.g. ``Taxi-v4``)."""
    return tuple(sorted(k for k in gymnasium.envs.registry if k.startswith("Taxi-")))


def _cell(kind: str, x: int, y: int, in_taxi: bool = False) -> JsonState:
    return {"kind": kind, "x": x, "y": y, "in_taxi": in_taxi}


def _map_rows(env: TaxiEnv) -> list[str]:
    return [b"".join(row).decode("ascii") for row in env.desc.tolist()]


def taxi_walls(env: TaxiEnv) -> list[JsonState]:
    """Wall objects derived from the Taxi map (borders plus interior ``|``)."""
    rows = _map_rows(env)
    height, width = len(rows) - 2, (len(rows[0]) - 1) // 2
    east = [
        _cell("wall_east", x, y)
        for y in range(height)
        for x in range(-1, width)
        if x in (-1, width - 1) or rows[1 + y][2 * x + 2] == "|"
    ]
    south = [_cell("wall_south", x, y) for y in (-1, height - 1) for x in range(width)]
    return east + south


def taxi_state(env: TaxiEnv, encoded: int) -> JsonState:
    """The object-centric state of the encoded Taxi state ``encoded``."""
    row, col, pass_idx, dest_idx = (int(v) for v in env.decode(encoded))
    locs = [(int(r), int(c)) for r, c in env.locs]
    if pass_idx == TAXI_IN_TAXI:
        passenger = _cell("passenger", -1, -1, True)
    else:
        passenger = _cell("passenger", locs[pass_idx][1], locs[pass_idx][0])
    dest_row, dest_col = locs[dest_idx]
    landmarks = [_cell("landmark", c, r) for r, c in locs]
    objects = [passenger, _cell("destination", dest_col, dest_row), *landmarks, *taxi_walls(env)]
    return {"agent": {"x": col, "y": row}, "objects": objects}


class TaxiObjectEnv:
    """`ObjectEnv` adapter over gymnasium's Taxi; model reward equals the raw reward."""

    domain = "taxi"
    actions = TAXI_ACTIONS

    def __init__(self, env_id: str, max_steps: int | None = None) -> None:
        self.name = env_id
        kwargs: dict[str, Any] = {"render_mode": None, "is_rainy": False, "fickle_passenger": False}
        if max_steps is not None:
            kwargs["max_episode_steps"] = max_steps
        self._env = gymnasium.make(env_id, **kwargs)
        if not isinstance(self._env.unwrapped, TaxiEnv):
            self._env.close()
            raise EnvError(f"{env_id} is not gymnasium's Taxi environment")
        self._started = False

    @property
    def unwrapped(self) -> TaxiEnv:
        """The underlying gymnasium `TaxiEnv`."""
        env = self._env.unwrapped
        assert isinstance(env, TaxiEnv)
        return env

    def reset(self, seed: int | None = None) -> tuple[JsonState, str]:
        obs, _ = self._env.reset(seed=seed)
        self._started = True
        return taxi_state(self.unwrapped, int(obs)), TAXI_MISSION

    def step(self, action: str) -> Step:
        if not self._started:
            raise not_reset_error(self.name)
        obs, raw, terminated, truncated, _ = self._env.step(
            action_index(self.name, self.actions, action)
        )
        return Step(
            state=taxi_state(self.unwrapped, int(obs)),
            reward=float(raw),
            raw_reward=float(raw),
            terminated=bool(terminated),
            truncated=bool(truncated),
            mission=TAXI_MISSION,
        )

    def close(self) -> None:
        self._env.close()
