"""A learned model as a gymnasium environment, so any RL library can train inside it.

Owns `ModelEnv`. Observations flatten the state into integers (ints as they are, bools as 0/1,
enum members as their index), agent fields first, then each object's fields; the bounds come from
the schema. Start states are drawn as the real environment draws them: `reset(seed=s)` resets the
real env with `s` and starts the model from that state and mission (an unseeded reset continues
the real env's own random sequence), so a model env of `MiniGrid-Empty-Random-5x5-v0` has as many
start states as the real one. A fixed `(state, mission)` pair gives one start state instead.
"""

from __future__ import annotations

from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces

from dsl import core as C
from dsl.compile import CompiledModel, compile_program
from dsl.values import Mission, State, state_from_json
from worldcoder.envs import ObjectEnv

Obs = np.ndarray[Any, np.dtype[np.int64]]
Start = tuple[State, Mission]


def _bounds(f: C.Field) -> tuple[int, int]:
    if isinstance(f.type, C.BoolT):
        return 0, 1
    if isinstance(f.type, C.EnumT):
        return 0, len(f.type.members) - 1
    assert f.lo is not None and f.hi is not None
    return f.lo, f.hi


def _code(f: C.Field, v: C.Scalar) -> int:
    if isinstance(f.type, C.EnumT):
        return f.type.members.index(str(v))
    return int(v)


class ModelEnv(gymnasium.Env[Obs, np.int64]):
    metadata = {"render_modes": []}  # noqa: RUF012 - gymnasium's convention

    def __init__(
        self,
        model: CompiledModel | C.Program,
        starts: ObjectEnv | Start,
        max_steps: int = 100,
    ) -> None:
        """`starts`: the real environment whose resets give the start states and missions, or
        one fixed `(state, mission)`. A real env is reset once here (unseeded) to size the
        observation space."""
        self.model = model if isinstance(model, CompiledModel) else compile_program(model)
        self.real = None if isinstance(starts, tuple) else starts
        self.start, self.mission = starts if isinstance(starts, tuple) else self._draw(None)
        self.actions = self.model.program.schema.actions
        if not self.actions:
            raise ValueError("the model declares no action enum: a model env needs actions")
        self.max_steps = max_steps
        schema = self.model.program.schema
        fields = list(schema.agent) + [f for _ in self.start.objects for f in schema.object]
        low, high = zip(*(_bounds(f) for f in fields), strict=True)
        self.low, self.high = np.array(low, dtype=np.int64), np.array(high, dtype=np.int64)
        self.observation_space = spaces.Box(self.low, self.high, dtype=np.int64)
        self.action_space = spaces.Discrete(len(self.actions))
        self.state, self.steps = self.start, 0

    def _draw(self, seed: int | None) -> Start:
        assert self.real is not None
        state_json, mission = self.real.reset(seed=seed)
        return state_from_json(self.model.program.schema, state_json), Mission.of(mission)

    def observe(self, state: State) -> Obs:
        schema = self.model.program.schema
        values = [_code(f, v) for f, v in zip(schema.agent, state.agent, strict=True)]
        for obj in state.objects:
            values += [_code(f, v) for f, v in zip(schema.object, obj, strict=True)]
        return np.clip(np.array(values, dtype=np.int64), self.low, self.high)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Obs, dict[str, Any]]:
        super().reset(seed=seed)
        if self.real is not None:
            start, self.mission = self._draw(seed)
            if len(start.objects) != len(self.start.objects):
                raise ValueError(
                    f"{self.real.name}: a start state with {len(start.objects)} objects; this "
                    f"model env's observations hold {len(self.start.objects)}"
                )
            self.start = start
        self.state, self.steps = self.start, 0
        return self.observe(self.state), {"mission": self.mission.text}

    def step(self, action: np.int64 | int) -> tuple[Obs, float, bool, bool, dict[str, Any]]:
        out = self.model.step(self.state, self.actions[int(action)], self.mission)
        self.state, self.steps = out.next_state, self.steps + 1
        truncated = self.steps >= self.max_steps and not out.done
        return self.observe(self.state), float(out.reward), out.done, truncated, {}
