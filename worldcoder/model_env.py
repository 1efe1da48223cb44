"""A learned model as a gymnasium environment, so any RL library can train inside it.

Observations flatten the state into integers (ints as they are, bools as 0/1, enum members as
their index), agent fields first, then each object's fields; the bounds come from the schema.
"""

from __future__ import annotations

from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces

from dsl import core as C
from dsl.compile import CompiledModel, compile_program
from dsl.values import Mission, State

Obs = np.ndarray[Any, np.dtype[np.int64]]


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
        start_state: State,
        mission: Mission,
        max_steps: int = 100,
    ) -> None:
        self.model = model if isinstance(model, CompiledModel) else compile_program(model)
        schema = self.model.program.schema
        assert schema.action is not None
        self.actions = schema.action.members
        self.start, self.mission, self.max_steps = start_state, mission, max_steps
        fields = list(schema.agent) + [f for _ in start_state.objects for f in schema.object]
        low, high = zip(*(_bounds(f) for f in fields), strict=True)
        self.low, self.high = np.array(low, dtype=np.int64), np.array(high, dtype=np.int64)
        self.observation_space = spaces.Box(self.low, self.high, dtype=np.int64)
        self.action_space = spaces.Discrete(len(self.actions))
        self.state, self.steps = start_state, 0

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
        self.state, self.steps = self.start, 0
        return self.observe(self.state), {"mission": self.mission.text}

    def step(self, action: np.int64 | int) -> tuple[Obs, float, bool, bool, dict[str, Any]]:
        out = self.model.step(self.state, self.actions[int(action)], self.mission)
        self.state, self.steps = out.next_state, self.steps + 1
        truncated = self.steps >= self.max_steps and not out.done
        return self.observe(self.state), float(out.reward), out.done, truncated, {}
